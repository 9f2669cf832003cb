namespace Pitcrew.Sim.Scenarios;

/// <summary>
/// The built-in <c>large</c> scenario, the scale Kubernetes documents and our benchmark measures: by default 1 control
/// plane and 999 workers (1,000 nodes) running about 30,000 pods: one Deployment of 29 replicas per worker, spread over
/// 20 namespaces, a PodDisruptionBudget (maxUnavailable 1) on every tenth, plus kube-proxy on every node. Its size
/// follows <c>--workers</c> (4,999 workers give the 5,000 nodes and about 150,000 pods of the documented limits).
/// </summary>
public static class LargeScenario
{
    public const string Name = "large";
    public const int DefaultWorkers = 999;
    public const int ReplicasPerApp = 29;
    private const int Namespaces = 20;

    public static Scenario Create(int controlPlanes = 1, int workers = DefaultWorkers, string version = "v1.30.4")
    {
        var capacity = new Dictionary<string, string> { ["cpu"] = "32", ["memory"] = "128Gi", ["pods"] = "110" };
        NodeGroup Group(string name, int count, bool controlPlane) =>
            new(name, count, controlPlane, new Dictionary<string, string>(), [], capacity, null);
        var workloads = Enumerable.Range(0, workers).Select(i => new Workload(
            "Deployment",
            string.Create(CultureInfo.InvariantCulture, $"app-{i:d4}"),
            string.Create(CultureInfo.InvariantCulture, $"team-{i % Namespaces:d2}"),
            ReplicasPerApp,
            "registry.example/app:1.0",
            false,
            new Dictionary<string, string>(),
            null,
            i % 10 == 0 ? "1" : null)).ToList();
        return new Scenario(version, [Group("cp", controlPlanes, true), Group("worker", workers, false)], workloads, []);
    }
}
