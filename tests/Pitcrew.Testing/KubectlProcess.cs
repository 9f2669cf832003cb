using System.Diagnostics;

namespace Pitcrew.Testing;

/// <summary>Runs the real kubectl against a kubeconfig with a discovery cache of its own; a kubectl that outlives the timeout is killed.</summary>
public static class KubectlProcess
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        string kubeconfig, string cacheRoot, IEnumerable<string> args, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("kubectl") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--kubeconfig=" + kubeconfig);
        start.ArgumentList.Add("--cache-dir=" + Path.Combine(cacheRoot, "kube-cache-" + Guid.NewGuid().ToString("N")));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start kubectl: run scripts/setup.sh");
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(bounded.Token);
        var stderr = process.StandardError.ReadToEndAsync(bounded.Token);
        try
        {
            await process.WaitForExitAsync(bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true); // A hung kubectl is stopped, not left behind.
            throw;
        }

        return (process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }
}
