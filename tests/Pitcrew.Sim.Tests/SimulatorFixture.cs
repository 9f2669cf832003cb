namespace Pitcrew.Sim.Tests;

/// <summary>A simulated cluster for one test class: its own etcd child process and API server, stopped on dispose.</summary>
public class SimulatorFixture() : Testing.Sim.SimFixture("pitcrew-sim-"), IAsyncLifetime
{
    private static readonly TimeSpan KubectlTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Whether kubelets and controllers run; off, tests write object status themselves.</summary>
    protected virtual bool RunControllers => true;

    /// <summary>How fast the cluster moves; tests that wait for heartbeats to lapse make it faster.</summary>
    protected virtual SimTimings? Timings => null;

    /// <summary>The scenario to start from; none means bare nodes and nothing running.</summary>
    protected virtual Scenarios.Scenario? Scenario => null;

    public string Directory => SimDir;

    public ValueTask InitializeAsync() =>
        new(StartAsync(new SimOptions(SimDir, KubernetesVersion: "v1.31.2", RunControllers: RunControllers, Timings: Timings, Scenario: Scenario), TestContext.Current.CancellationToken));

    /// <summary>Runs the real kubectl against the sim with a discovery cache of its own.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> KubectlAsync(params string[] args) =>
        Testing.KubectlProcess.RunAsync(Sim.KubeconfigPath, Root, args, KubectlTimeout, TestContext.Current.CancellationToken);

    /// <summary>An HttpClient that trusts the sim's CA and presents the admin certificate unless told not to.</summary>
    public HttpClient AdminClient(bool withCertificate = true) => SimClient.CreateHttpClient(Directory, withCertificate);
}

/// <summary>A simulated cluster with no kubelets or controllers: objects keep exactly the status tests write.</summary>
public sealed class StaticSimulatorFixture : SimulatorFixture
{
    protected override bool RunControllers => false;
}

/// <summary>A simulated cluster on fast timings: leases renewed every 0.5 s, nodes Unknown after 3 s without one, compaction every 1 s.</summary>
public sealed class FastSimulatorFixture : SimulatorFixture
{
    protected override SimTimings? Timings => new(
        TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1));
}

/// <summary>The built-in demo scenario, as pitcrew sim up starts it by default.</summary>
public sealed class DemoSimulatorFixture : SimulatorFixture
{
    protected override Scenarios.Scenario? Scenario => Scenarios.ScenarioReader.Load("demo");
}

/// <summary>A simulated cluster without controllers whose events expire after 3 s and whose watches get a bookmark every second.</summary>
public sealed class ShortLivedSimulatorFixture : SimulatorFixture
{
    public static readonly TimeSpan EventTtl = TimeSpan.FromSeconds(3);

    protected override bool RunControllers => false;

    protected override SimTimings? Timings => SimTimings.Default with { EventTtl = EventTtl, BookmarkInterval = TimeSpan.FromSeconds(1) };
}

/// <summary>Two control planes and two workers at v1.30.4 whose kubelets restart in 1 s: what an upgrade rehearsal needs.</summary>
public sealed class UpgradeSimulatorFixture : SimulatorFixture
{
    protected override Scenarios.Scenario? Scenario => Scenarios.Scenario.Bare("v1.30.4", 2, 2);

    protected override SimTimings? Timings => SimTimings.Default with { KubeletRestart = TimeSpan.FromSeconds(1) };
}
