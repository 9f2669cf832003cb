using Pitcrew.Testing.Sim;

namespace Pitcrew.Cli.Tests.Drain;

/// <summary>A simulated cluster with two control planes and many bare workers, so each drain test has nodes of its own.</summary>
public sealed class DrainSimFixture() : SimFixture("pitcrew-drain-"), IAsyncLifetime
{
    public const int Workers = 60;
    private int _nextWorker;

    public ValueTask InitializeAsync() => new(StartAsync($$"""
        version: v1.31.2
        nodes:
          - name: cp
            count: 2
            role: control-plane
          - name: w
            count: {{Workers}}
            capacity: {cpu: "8", memory: 32Gi, pods: "110"}
        """, "drain-tests", "v1.31.2", TestContext.Current.CancellationToken));

    /// <summary>The next unused worker nodes.</summary>
    public string[] TakeWorkers(int count) =>
        [.. Enumerable.Range(0, count).Select(_ => $"w-{Interlocked.Increment(ref _nextWorker)}")];

    internal async Task<CliRun> KubectlAsync(params string[] args)
    {
        var (code, stdout, stderr) = await RunKubectlAsync(args, TestContext.Current.CancellationToken);
        return new CliRun(code, stdout, stderr);
    }

    internal Task<CliRun> PitcrewAsync(params string[] args) =>
        CliRun.InvokeAsync(new Dictionary<string, string> { ["KUBECONFIG"] = Kubeconfig }, args);
}
