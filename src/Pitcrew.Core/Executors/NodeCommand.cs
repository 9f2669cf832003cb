using System.Text;

namespace Pitcrew.Executors;

/// <summary>
/// A command for a node: an argument vector (run as is, no shell) or a shell line (run by /bin/sh -c), optionally
/// through sudo, bounded by a timeout.
/// </summary>
internal sealed record NodeCommand
{
    /// <summary>How long a command may run unless it says otherwise.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    private NodeCommand(IReadOnlyList<string>? argv, string? shellLine)
    {
        Argv = argv;
        ShellLine = shellLine;
    }

    public IReadOnlyList<string>? Argv { get; }

    public string? ShellLine { get; }

    public bool Sudo { get; init; }

    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    public static NodeCommand Exec(params string[] argv) =>
        argv.Length > 0 ? new NodeCommand(argv, null) : throw new ArgumentException("a command needs at least its program", nameof(argv));

    public static NodeCommand Shell(string line) =>
        !string.IsNullOrWhiteSpace(line) ? new NodeCommand(null, line) : throw new ArgumentException("a shell line cannot be empty", nameof(line));

    /// <summary>The command as one POSIX shell line, without sudo: what a log or report shows.</summary>
    public string Display => ShellLine ?? string.Join(' ', Argv!.Select(Quote));

    /// <summary>
    /// The line a remote shell runs: sudo -n in front when the command asks for root, unless <paramref name="direct"/>
    /// (the session's user is root, or the inventory says sudo: false for the node).
    /// </summary>
    public string RemoteLine(bool direct)
    {
        if (!Sudo || direct)
        {
            return Display;
        }

        return ShellLine is null ? "sudo -n -- " + Display : "sudo -n -- sh -c " + Quote(ShellLine);
    }

    /// <summary>Quotes a word for a POSIX shell: bare when it is safe, else in single quotes.</summary>
    public static string Quote(string word)
    {
        if (word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%^".Contains(c, StringComparison.Ordinal)))
        {
            return word;
        }

        var quoted = new StringBuilder("'");
        quoted.Append(word.Replace("'", "'\\''", StringComparison.Ordinal));
        return quoted.Append('\'').ToString();
    }
}
