namespace Pitcrew.Testing;

/// <summary>Runs the real kubectl against a kubeconfig with a discovery cache of its own; a kubectl that outlives the timeout is killed.</summary>
public static class KubectlProcess
{
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        string kubeconfig, string cacheRoot, IEnumerable<string> args, TimeSpan timeout, CancellationToken cancellationToken) =>
        ChildProcess.RunAsync(
            "kubectl",
            ["--kubeconfig=" + kubeconfig, "--cache-dir=" + Path.Combine(cacheRoot, "kube-cache-" + Guid.NewGuid().ToString("N")), .. args],
            timeout,
            cancellationToken);
}
