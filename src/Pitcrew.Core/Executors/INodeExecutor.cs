namespace Pitcrew.Executors;

/// <summary>Runs a command on a named node and reports its output line by line and its exit code.</summary>
internal interface INodeExecutor : IAsyncDisposable
{
    /// <summary>
    /// Runs the command on the node; each output line goes to <paramref name="output"/> as it arrives. A command that
    /// outlives its timeout is stopped and reported with <see cref="CommandResult.TimedOut"/>; cancellation throws.
    /// </summary>
    Task<CommandResult> RunAsync(string node, NodeCommand command, Action<OutputLine>? output, CancellationToken cancellationToken);

    /// <summary>
    /// Copies a local file to <paramref name="remotePath"/> on the node (as root, creating its directory), written under
    /// a temporary name, mode 0600, and renamed into place, so the path never holds a partial file;
    /// <paramref name="progress"/> gets the bytes sent so far. Failures throw <see cref="PitcrewException"/>.
    /// </summary>
    Task UploadAsync(string node, string localPath, string remotePath, Action<long>? progress, CancellationToken cancellationToken);
}

/// <summary>Which stream an output line came from.</summary>
internal enum OutputStream
{
    Stdout,
    Stderr,
}

/// <summary>One line a command printed.</summary>
internal sealed record OutputLine(OutputStream Stream, string Text);

/// <summary>How a command ended: its exit code (124 after a timeout, as timeout(1) says), the time it took and what it printed.</summary>
internal sealed record CommandResult(string Node, string Command, int ExitCode, bool TimedOut, TimeSpan Elapsed, IReadOnlyList<OutputLine> Output)
{
    /// <summary>The exit code reported for a command stopped at its timeout.</summary>
    public const int TimeoutExitCode = 124;

    /// <summary>The exit code a shell gives a command it cannot find.</summary>
    public const int NotFoundExitCode = 127;

    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>The last lines printed, for an error message.</summary>
    public string Tail(int lines = 10) => string.Join('\n', Output.TakeLast(lines).Select(l => l.Text));

    /// <summary>
    /// What to do when the command failed because sudo refused it (the node's user needs a password or is not in
    /// sudoers, or sudo is missing); null for any other outcome.
    /// </summary>
    public string? SudoHint()
    {
        if (Succeeded)
        {
            return null;
        }

        var sudo = Output.Select(l => l.Text).Where(t => t.Contains("sudo", StringComparison.Ordinal)).ToList();
        if (sudo.Any(t => t.EndsWith("sudo: not found", StringComparison.Ordinal) || t.EndsWith("sudo: command not found", StringComparison.Ordinal)))
        {
            return $"sudo is not installed on node/{Node}: install it, or log in as root (user: root in the inventory)";
        }

        return sudo.Any(t => t.StartsWith("sudo:", StringComparison.Ordinal) && (t.Contains("password is required", StringComparison.Ordinal)
            || t.Contains("not in the sudoers", StringComparison.Ordinal) || t.Contains("terminal is required", StringComparison.Ordinal)))
            ? $"sudo refused the command on node/{Node}: give the inventory's user passwordless sudo (NOPASSWD in sudoers), " +
              "log in as root (user: root), or set sudo: false if the user has the rights without it"
            : null;
    }
}
