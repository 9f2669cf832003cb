using System.Globalization;

namespace Pitcrew.Backups.Retention;

/// <summary>A synthetic history: one backup every <see cref="Every"/> over <see cref="For"/> ending at <see cref="Until"/>, plus tagged extras.</summary>
public sealed record RetentionSimulation(TimeSpan Every, RetentionSpan For, DateTimeOffset Until, IReadOnlyList<TaggedTime> TagAt)
{
    /// <summary>The most backups a simulation builds (a year of one a minute is 525,600).</summary>
    public const int MaxBackups = 1_000_000;
}

/// <summary>Builds the synthetic history of a <see cref="RetentionSimulation"/> and runs the planner over it.</summary>
public static class RetentionSimulator
{
    /// <summary>The simulated backups, newest first: all verified, named by their UTC time.</summary>
    public static IReadOnlyList<RetentionCandidate> History(RetentionSimulation simulation, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(simulation);
        ArgumentNullException.ThrowIfNull(zone);
        if (simulation.Every <= TimeSpan.Zero)
        {
            throw new ArgumentException("the period must be positive", nameof(simulation));
        }

        var start = simulation.For.Before(simulation.Until, zone);
        var count = (long)((simulation.Until - start) / simulation.Every) + 1;
        if (count + simulation.TagAt.Count > RetentionSimulation.MaxBackups)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the simulation would build {count + simulation.TagAt.Count:N0} backups, more than {RetentionSimulation.MaxBackups:N0}; use a longer period or a shorter span"), nameof(simulation));
        }

        var history = new List<RetentionCandidate>((int)count + simulation.TagAt.Count);
        for (var i = 0L; i < count; i++)
        {
            history.Add(Backup(simulation.Until - (simulation.Every * i), []));
        }

        foreach (var extra in simulation.TagAt)
        {
            history.Add(Backup(extra.Time, [extra.Tag], extra.Tag));
        }

        return history;
    }

    /// <summary>Every simulated backup's decision under <paramref name="policy"/>, newest first.</summary>
    public static IReadOnlyList<RetentionDecision> Run(RetentionSimulation simulation, RetentionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return RetentionPlanner.Decide(History(simulation, policy.TimeZone), policy);
    }

    private static RetentionCandidate Backup(DateTimeOffset time, IReadOnlyList<string> tags, string? suffix = null)
    {
        var name = time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss.fffffff'Z'", CultureInfo.InvariantCulture);
        return new RetentionCandidate(suffix is null ? name : $"{name}-{suffix}", time, tags, Verified: true);
    }
}
