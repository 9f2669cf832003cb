using System.Globalization;

namespace Pitcrew.Upgrade.Apply;

/// <summary>The maintenance lease as found: its holder, last renewal and duration, what it says it does, and whether its process is gone.</summary>
internal sealed record LeaseFacts(string? HolderIdentity, DateTimeOffset? Renewed, TimeSpan? Duration, string? Description, bool HolderGoneHere);

/// <summary>What to do about the maintenance lock.</summary>
internal enum LockAction
{
    /// <summary>No lease: create it.</summary>
    Take,

    /// <summary>A stale lease of this run, or of another with --take-over-lock: replace it.</summary>
    TakeOver,

    /// <summary>Held by a live run, or by a dead-looking other run without --take-over-lock.</summary>
    Refuse,
}

/// <summary>The decision on the lock, with the line it prints (a take-over's log line, a refusal's error) and a refusal's exit code.</summary>
internal sealed record LockDecision(LockAction Action, string Reason, string? Hint = null, int ExitCode = ExitCodes.Ok)
{
    public string Message => Hint is null ? Reason : $"{Reason}; {Hint}";

    /// <summary>
    /// A lease not renewed within its duration (or with no holder), or held by a process on this host that is gone, is
    /// stale; a stale lease of the same run is taken over at once, another run's only with <paramref name="takeOver"/>.
    /// </summary>
    public static LockDecision Decide(LeaseFacts? existing, LockHolder us, bool takeOver, TimeSpan ttl, DateTimeOffset now)
    {
        if (existing is null)
        {
            return new(LockAction.Take, "the cluster is not locked");
        }

        var current = LockHolder.Parse(existing.HolderIdentity);
        var renewed = existing.Renewed ?? DateTimeOffset.MinValue;
        var expired = string.IsNullOrEmpty(existing.HolderIdentity) || renewed + (existing.Duration ?? TimeSpan.FromSeconds((int)ttl.TotalSeconds)) < now;
        var dead = current is not null && existing.HolderGoneHere;
        var what = existing.Description ?? "an operation";
        var since = now - renewed;
        if (!expired && !dead)
        {
            return new(LockAction.Refuse,
                $"the cluster is locked by {existing.HolderIdentity} ({what}), renewed {Seconds(since)} ago: another upgrade or restore is running",
                $"wait for it (kubectl -n {MaintenanceLock.Namespace} get lease {MaintenanceLock.LeaseName})", ExitCodes.Blocked);
        }

        if ((current is null || current.RunId != us.RunId) && !takeOver)
        {
            return new(LockAction.Refuse,
                $"the cluster lock is held by {existing.HolderIdentity} ({what}), which looks dead ({(dead ? "its process is gone" : $"not renewed for {Seconds(since)}")})",
                "make sure it is not running, then add --take-over-lock", ExitCodes.Blocked);
        }

        return new(LockAction.TakeOver, $"taking over the stale lock of {existing.HolderIdentity} ({what})");
    }

    /// <summary>A span as the lock's lines say it: whole seconds, or never for a lease never renewed.</summary>
    public static string Seconds(TimeSpan span) =>
        span == TimeSpan.MaxValue || span.TotalDays > 3650 ? "never" : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0}s");
}
