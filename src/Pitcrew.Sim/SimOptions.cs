namespace Pitcrew.Sim;

/// <summary>How to start the simulated cluster.</summary>
/// <param name="Directory">Where etcd data, certificates, the kubeconfig and logs go.</param>
/// <param name="EtcdEndpoints">An etcd to use instead of starting one.</param>
/// <param name="RunControllers">Run the kubelets and controllers; off, the API serves objects as written (for API tests).</param>
public sealed record SimOptions(
    string Directory, int ControlPlanes = 1, int Workers = 3, string KubernetesVersion = "v1.30.4", string? EtcdEndpoints = null, bool RunControllers = true,
    SimTimings? Timings = null,
    Scenarios.Scenario? Scenario = null)
{
    internal SimTimings EffectiveTimings => Timings ?? SimTimings.Default;

    /// <summary>The scenario to build: the one given, or bare nodes from the counts and version.</summary>
    internal Scenarios.Scenario EffectiveScenario => Scenario ?? Scenarios.Scenario.Bare(KubernetesVersion, ControlPlanes, Workers);

    internal SimVersion Version => SimVersion.Parse(EffectiveScenario.Version);
}
