using Pitcrew.Sim;
using Pitcrew.Sim.Scenarios;

namespace Pitcrew.Testing.Sim;

/// <summary>
/// One simulated cluster in a temp dir of its own (the sim's directory is <see cref="SimDir"/>), stopped with
/// everything it started on dispose. Test projects subclass it as an xunit class fixture (this project does not
/// reference xunit) or hold one in a test class that starts its own cluster.
/// </summary>
public class SimFixture(string tempPrefix) : IAsyncDisposable
{
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan KubectlTimeout = TimeSpan.FromSeconds(90);
    private SimServer? _sim;

    public string Root { get; } = Directory.CreateTempSubdirectory(tempPrefix).FullName;

    /// <summary>The sim's own directory (sim.json, pki, kubeconfig, nodes), as `pitcrew sim` commands take it in --dir.</summary>
    public string SimDir => Path.Combine(Root, "sim");

    public SimServer Sim => _sim ?? throw new InvalidOperationException("not started");

    public string Kubeconfig => Sim.KubeconfigPath;

    /// <summary>The sim's own etcd, plain http on 127.0.0.1.</summary>
    public string EtcdEndpoint => Sim.EtcdEndpoint;

    /// <summary>Runs kubectl against the sim, with its cache under <see cref="Root"/>.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> RunKubectlAsync(string[] args, CancellationToken ct) =>
        KubectlProcess.RunAsync(Kubeconfig, Root, args, KubectlTimeout, ct);

    /// <summary>Starts the sim from scenario YAML (named <paramref name="name"/>) at <paramref name="version"/>, within a minute.</summary>
    public Task StartAsync(string scenarioYaml, string name, string version, CancellationToken ct) =>
        StartAsync(new SimOptions(SimDir, KubernetesVersion: version, Scenario: ScenarioReader.Parse(scenarioYaml, name)), ct);

    /// <summary>Starts the sim with these options in <see cref="SimDir"/> (whatever directory they name), within a minute.</summary>
    public async Task StartAsync(SimOptions options, CancellationToken ct)
    {
        if (_sim is not null)
        {
            throw new InvalidOperationException("already started");
        }

        if (!File.Exists("/usr/bin/etcd"))
        {
            throw new InvalidOperationException("etcd not found: run scripts/setup.sh");
        }

        _sim = await SimServer.StartAsync(options with { Directory = SimDir }, TimeProvider.System, ct).WaitAsync(StartBound, ct);
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_sim is not null)
        {
            await _sim.DisposeAsync();
        }

        Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }
}
