using Pitcrew.Executors;

namespace Pitcrew.Testing.Fakes;

/// <summary>What a fake node's shell answers to one command: its exit code and the lines it prints.</summary>
internal sealed record FakeAnswer(int ExitCode, IReadOnlyList<OutputLine> Output, bool TimedOut = false)
{
    public static readonly FakeAnswer Ok = new(0, []);

    public static FakeAnswer Exit(int exitCode, params string[] stdout) => new(exitCode, [.. stdout.Select(l => new OutputLine(OutputStream.Stdout, l))]);
}

/// <summary>
/// Nodes whose shells answer commands from handlers (the first whose prefix matches the command's display text; none
/// matching exits 0 silently, or 127 when <see cref="UnknownNotFound"/>), each output line streamed as the real executors
/// do, every command recorded in order.
/// </summary>
internal sealed class FakeNodeExecutor : INodeExecutor
{
    private readonly List<(string Prefix, Func<string, NodeCommand, FakeAnswer> Answer)> _handlers = [];
    private readonly List<(string Node, NodeCommand Command)> _ran = [];

    /// <summary>Commands no handler knows exit 127 ("not found") instead of 0.</summary>
    public bool UnknownNotFound { get; init; }

    /// <summary>Runs before each command with the node it runs on.</summary>
    public Action<string>? BeforeRun { get; set; }

    public bool Disposed { get; private set; }

    /// <summary>The (node, command display) pairs run, in order.</summary>
    public IReadOnlyList<(string Node, string Command)> Ran
    {
        get
        {
            lock (_ran)
            {
                return [.. _ran.Select(r => (r.Node, r.Command.Display))];
            }
        }
    }

    /// <summary>The commands as sent, with their sudo and timeout.</summary>
    public IReadOnlyList<(string Node, NodeCommand Command)> Commands
    {
        get
        {
            lock (_ran)
            {
                return [.. _ran];
            }
        }
    }

    /// <summary>Answers commands whose display text starts with <paramref name="prefix"/>; earlier handlers win.</summary>
    public FakeNodeExecutor On(string prefix, Func<string, NodeCommand, FakeAnswer> answer)
    {
        _handlers.Add((prefix, answer));
        return this;
    }

    /// <summary>The (node, local file, remote path) uploads, in order.</summary>
    public List<(string Node, string Local, string Remote)> Uploads { get; } = [];

    public Task UploadAsync(string node, string localPath, string remotePath, Action<long>? progress, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        lock (_ran)
        {
            Uploads.Add((node, localPath, remotePath));
        }

        return Task.CompletedTask;
    }

    public Task<CommandResult> RunAsync(string node, NodeCommand command, Action<OutputLine>? output, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        BeforeRun?.Invoke(node);
        lock (_ran)
        {
            _ran.Add((node, command));
        }

        var handler = _handlers.FirstOrDefault(h => command.Display.StartsWith(h.Prefix, StringComparison.Ordinal)).Answer;
        var answer = handler?.Invoke(node, command)
            ?? (UnknownNotFound ? new FakeAnswer(CommandResult.NotFoundExitCode, [new OutputLine(OutputStream.Stderr, $"sh: 1: {command.Display}: not found")]) : FakeAnswer.Ok);
        foreach (var line in answer.Output)
        {
            output?.Invoke(line);
        }

        var exitCode = answer.TimedOut ? CommandResult.TimeoutExitCode : answer.ExitCode;
        return Task.FromResult(new CommandResult(node, command.Display, exitCode, answer.TimedOut, TimeSpan.Zero, answer.Output));
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}
