namespace Pitcrew.Upgrade.Apply;

/// <summary>How a run begins, given the journal it found.</summary>
internal enum ApplyStartKind
{
    /// <summary>A new upgrade from a fresh plan and preflight.</summary>
    Start,

    /// <summary>An unfinished upgrade that touched no node is set aside; a new one starts.</summary>
    Restart,

    /// <summary>The journaled upgrade goes on along its path.</summary>
    Resume,

    /// <summary>Nothing runs.</summary>
    Refuse,
}

/// <summary>
/// The decision on the journal: start, start over, resume or refuse, with why, the hint that changes it, and the exit
/// code of a refusal; <see cref="Message"/> is the line apply prints.
/// </summary>
internal sealed record ApplyStart(ApplyStartKind Kind, string Reason, string? Hint = null, int ExitCode = ExitCodes.Ok)
{
    /// <summary>The reason, then the hint when there is one.</summary>
    public string Message => Hint is null ? Reason : $"{Reason}; {Hint}";
}
