using Pitcrew.Cluster;

namespace Pitcrew.Tests.Nodes;

/// <summary>Typed builders for the pods, nodes and budgets the drain planner sees.</summary>
internal static class Pods
{
    public static PodFacts Managed(string name, string kind = "ReplicaSet", string owner = "web-5d8f") =>
        Bare(name) with { Controller = new Controller("apps/v1", kind, owner) };

    public static PodFacts Bare(string name) => new(
        "shop", name, "uid-" + name, "n1", "Running", null, false, false, null,
        new Dictionary<string, string> { ["app"] = "web" }, 0, true, new Capacity(100, 128L << 20, 1));

    public static PodFacts OnNode(this PodFacts pod, string node) => pod with { NodeName = node };

    public static PodFacts WithEmptyDir(this PodFacts pod) => pod with { HasEmptyDir = true };

    public static PodFacts Mirror(this PodFacts pod) => pod with { IsMirror = true };

    public static PodFacts Finished(this PodFacts pod) => pod with { Phase = "Succeeded" };

    public static PodFacts Deleting(this PodFacts pod, DateTimeOffset since) => pod with { DeletionTimestamp = since };

    public static NodeFacts Node(string name, bool unschedulable = false, long cpuMillis = 4000) => new(
        name, unschedulable, true, new Dictionary<string, string>(), new Dictionary<string, string>(), new Capacity(cpuMillis, 16L << 30, 110));

    public static BudgetFacts Budget(string name, int allowed, int healthy, int desired, int expected) => new(
        "shop", name, new LabelSelectorFacts(new Dictionary<string, string> { ["app"] = "web" }, []), allowed, healthy, desired, expected, 1, 1, false);
}
