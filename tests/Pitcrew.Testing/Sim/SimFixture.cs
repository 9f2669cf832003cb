using Pitcrew.Sim;
using Pitcrew.Sim.Scenarios;

namespace Pitcrew.Testing.Sim;

/// <summary>
/// One simulated cluster started from a scenario in a temp dir of its own, stopped with everything it started on
/// dispose. A test project's thin subclass names the scenario and makes it an xunit class fixture (this project
/// does not reference xunit).
/// </summary>
public abstract class SimFixture : IAsyncDisposable
{
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan KubectlTimeout = TimeSpan.FromSeconds(90);
    private SimServer? _sim;

    protected SimFixture(string tempPrefix) => Root = Directory.CreateTempSubdirectory(tempPrefix).FullName;

    public string Root { get; }

    public string Kubeconfig => Started.KubeconfigPath;

    /// <summary>The sim's own etcd, plain http on 127.0.0.1.</summary>
    public string EtcdEndpoint => Started.EtcdEndpoint;

    private SimServer Started => _sim ?? throw new InvalidOperationException("not started");

    /// <summary>Runs kubectl against the sim, with its cache under <see cref="Root"/>.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> RunKubectlAsync(string[] args, CancellationToken ct) =>
        KubectlProcess.RunAsync(Kubeconfig, Root, args, KubectlTimeout, ct);

    /// <summary>Starts the sim from scenario YAML (named <paramref name="name"/>) at <paramref name="version"/>, within a minute.</summary>
    protected async Task StartAsync(string scenarioYaml, string name, string version, CancellationToken ct)
    {
        if (!File.Exists("/usr/bin/etcd"))
        {
            throw new InvalidOperationException("etcd not found: run scripts/setup.sh");
        }

        var scenario = ScenarioReader.Parse(scenarioYaml, name);
        _sim = await SimServer.StartAsync(new SimOptions(Path.Combine(Root, "sim"), KubernetesVersion: version, Scenario: scenario), TimeProvider.System, ct)
            .WaitAsync(StartBound, ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_sim is not null)
        {
            await _sim.DisposeAsync();
        }

        Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }
}
