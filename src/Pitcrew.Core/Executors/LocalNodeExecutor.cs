using System.ComponentModel;
using System.Diagnostics;

namespace Pitcrew.Executors;

/// <summary>Runs commands on this machine, for when Pitcrew runs on the node itself; the node name is only reported.</summary>
internal sealed class LocalNodeExecutor(TimeProvider time) : INodeExecutor
{
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(5);

    public async Task<CommandResult> RunAsync(string node, NodeCommand command, Action<OutputLine>? output, CancellationToken cancellationToken)
    {
        var start = StartInfo(command, Environment.UserName == "root");
        var started = time.GetTimestamp();
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new PitcrewException($"node/{node}: cannot start {command.Display}", ExitCodes.Failed);
        }
        catch (Win32Exception e)
        {
            // As a shell reports a missing program: exit 127 and the reason on stderr.
            var missing = new OutputCollector(output);
            missing.Add(OutputStream.Stderr, $"{start.FileName}: {e.Message}");
            return new CommandResult(node, command.Display, CommandResult.NotFoundExitCode, false, time.GetElapsedTime(started), missing.Lines());
        }

        using (process)
        {
            process.StandardInput.Close();
            var collector = new OutputCollector(output);
            using var timeout = new CancellationTokenSource(command.Timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
            var pumps = Task.WhenAll(
                collector.PumpAsync(process.StandardOutput, OutputStream.Stdout, CancellationToken.None),
                collector.PumpAsync(process.StandardError, OutputStream.Stderr, CancellationToken.None));
            try
            {
                await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).WaitAsync(KillGrace, CancellationToken.None).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                await pumps.WaitAsync(KillGrace, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                return new CommandResult(node, command.Display, CommandResult.TimeoutExitCode, true, time.GetElapsedTime(started), collector.Lines());
            }

            await pumps.ConfigureAwait(false);
            return new CommandResult(node, command.Display, process.ExitCode, false, time.GetElapsedTime(started), collector.Lines());
        }
    }

    /// <summary>A copy on this machine; the node is only reported.</summary>
    public async Task UploadAsync(string node, string localPath, string remotePath, Action<long>? progress, CancellationToken cancellationToken)
    {
        try
        {
            await using var source = File.OpenRead(localPath);
            await UploadCopy.ToFileAsync(source, remotePath, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PitcrewException($"node/{node}: cannot copy {localPath} to {remotePath}: {e.Message} (run as root, or pass --node-snapshot with a copy already there)",
                ExitCodes.FileUnreadable, e);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static ProcessStartInfo StartInfo(NodeCommand command, bool asRoot)
    {
        var argv = new List<string>();
        if (command.Sudo && !asRoot)
        {
            argv.AddRange(["sudo", "-n", "--"]);
        }

        argv.AddRange(command.ShellLine is { } line ? ["/bin/sh", "-c", line] : command.Argv!);
        var start = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in argv.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }
}
