namespace Pitcrew.Backups.Retention;

/// <summary>The fixed reasons the planner gives; rule reasons name their bucket ("daily tier: newest of 2026-11-23").</summary>
public static class RetentionReasons
{
    /// <summary>A backup no rule keeps.</summary>
    public const string NotKept = "not kept by any rule";

    /// <summary>The newest backup whose verification passed.</summary>
    public const string NewestVerified = "newest verified backup: never deleted";

    /// <summary>A backup tagged pre-upgrade.</summary>
    public const string PreUpgrade = "tag pre-upgrade: kept forever";

    /// <summary>A backup named to be forgotten.</summary>
    public const string Forgotten = "named explicitly: forgotten";

    /// <summary>The newest verified backup named to be forgotten: kept, and how to get rid of it.</summary>
    public const string ForgottenRefused = "named explicitly, but the newest verified backup is never deleted: verify a newer backup first";

    /// <summary>Every backup when the policy has no keep rule (restic refuses to forget with an empty policy).</summary>
    public const string EmptyPolicy = "no keep rule given: nothing is removed";

    /// <summary>The rule a reason names: the text before its colon ("daily tier", "tag pre-upgrade", "last 3").</summary>
    public static string Rule(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var colon = reason.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? reason : reason[..colon];
    }
}
