using Pitcrew.Sim;
using Pitcrew.Testing;

namespace Pitcrew.Cli.Tests.Drain;

/// <summary>A simulated cluster with two control planes and many bare workers, so each drain test has nodes of its own.</summary>
public sealed class DrainSimFixture : IAsyncLifetime
{
    public const int Workers = 60;
    private static readonly TimeSpan KubectlTimeout = TimeSpan.FromSeconds(90);
    private readonly string _root = Directory.CreateTempSubdirectory("pitcrew-drain-").FullName;
    private SimServer? _sim;
    private int _nextWorker;

    public string Kubeconfig => (_sim ?? throw new InvalidOperationException("not started")).KubeconfigPath;

    public string Root => _root;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists("/usr/bin/etcd"))
        {
            throw new InvalidOperationException("etcd not found: run scripts/setup.sh");
        }

        var scenario = Sim.Scenarios.ScenarioReader.Parse($"""
            version: v1.31.2
            nodes:
              - name: cp
                count: 2
                role: control-plane
              - name: w
                count: {Workers}
                capacity: {"{"}cpu: "8", memory: 32Gi, pods: "110"{"}"}
            """, "drain-tests");
        _sim = await SimServer.StartAsync(new SimOptions(Path.Combine(_root, "sim"), KubernetesVersion: "v1.31.2", Scenario: scenario), TimeProvider.System,
            TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
    }

    /// <summary>The next unused worker nodes.</summary>
    public string[] TakeWorkers(int count) =>
        [.. Enumerable.Range(0, count).Select(_ => $"w-{Interlocked.Increment(ref _nextWorker)}")];

    internal async Task<CliRun> KubectlAsync(params string[] args)
    {
        var (code, stdout, stderr) = await KubectlProcess.RunAsync(Kubeconfig, _root, args, KubectlTimeout, TestContext.Current.CancellationToken);
        return new CliRun(code, stdout, stderr);
    }

    internal Task<CliRun> PitcrewAsync(params string[] args) =>
        CliRun.InvokeAsync(new Dictionary<string, string> { ["KUBECONFIG"] = Kubeconfig }, args);

    public async ValueTask DisposeAsync()
    {
        if (_sim is not null)
        {
            await _sim.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }
}
