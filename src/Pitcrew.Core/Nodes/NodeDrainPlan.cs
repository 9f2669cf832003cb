using Pitcrew.Cluster;

namespace Pitcrew.Nodes;

/// <summary>The decisions for one node's pods, and kubectl's warning and error texts built from them.</summary>
internal sealed record NodeDrainPlan(NodeFacts Node, IReadOnlyList<PodDecision> Decisions)
{
    public IEnumerable<PodFacts> ToEvict => Decisions.Where(d => d.Action == PodAction.Evict).Select(d => d.Pod);

    public IEnumerable<PodDecision> Blocking => Decisions.Where(d => d.Action == PodAction.Block);

    public bool CanProceed => !Blocking.Any();

    /// <summary>kubectl's one-line warning: "msg: ns/a, ns/b; msg2: ns/c" (messages in the order first met), or null.</summary>
    public string? Warnings => Join(Decisions.Where(d => d.IsWarning), "; ", (message, pods) => $"{message}: {pods}");

    /// <summary>One "cannot delete ..." error per message, as kubectl lists them.</summary>
    public IReadOnlyList<string> Errors =>
        [.. Group(Blocking).Select(g => $"cannot delete {g.Message}: {g.Pods}")];

    private static string? Join(IEnumerable<PodDecision> decisions, string separator, Func<string, string, string> format)
    {
        var groups = Group(decisions).Select(g => format(g.Message, g.Pods)).ToList();
        return groups.Count == 0 ? null : string.Join(separator, groups);
    }

    private static IEnumerable<(string Message, string Pods)> Group(IEnumerable<PodDecision> decisions) =>
        decisions.GroupBy(d => d.Message ?? "unexpected error").Select(g => (g.Key, string.Join(", ", g.Select(d => d.Pod.Key))));
}
