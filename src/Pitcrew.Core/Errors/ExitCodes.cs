namespace Pitcrew.Errors;

/// <summary>Stable process exit codes; documented in README.md and docs/exit-codes.md.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int Blocked = 3;
    public const int Partial = 4;
    public const int Unavailable = 5;
    public const int TlsOrAuth = 6;

    /// <summary>Critical findings (doctor): something is broken now.</summary>
    public const int Critical = 8;

    /// <summary>Go, with warnings to read first (upgrade preflight); warning findings (doctor).</summary>
    public const int Warnings = 9;
    public const int FileNotFound = 10;
    public const int FileUnreadable = 11;
    public const int NotASnapshot = 12;
    public const int Truncated = 13;
    public const int Corrupt = 14;

    /// <summary>Restore flags that cannot form the intended cluster (name, peer URLs, duplicates).</summary>
    public const int InvalidMembership = 20;

    /// <summary>A restore target (data dir or WAL dir) already holds files; nothing is overwritten.</summary>
    public const int TargetNotEmpty = 21;

    /// <summary>A restore drill ran but the restored member did not serve what the snapshot holds.</summary>
    public const int DrillFailed = 22;
    public const int Cancelled = 130;
}
