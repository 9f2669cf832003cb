namespace Pitcrew.Testing;

/// <summary>How to start an <see cref="SshdFixture"/>.</summary>
public sealed record SshdFixtureOptions
{
    /// <summary>How many ports sshd listens on, all on 127.0.0.1 (a test can make each one a different node).</summary>
    public int Ports { get; init; } = 1;

    /// <summary>
    /// For the port at an index, a command sshd runs instead of the client's (ForceCommand; the client's command is in
    /// SSH_ORIGINAL_COMMAND), or null to run the client's command.
    /// </summary>
    public Func<int, string?>? ForceCommand { get; init; }
}
