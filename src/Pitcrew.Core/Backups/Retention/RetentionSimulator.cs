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
        var count = Count(simulation, zone);
        if (count > RetentionSimulation.MaxBackups)
        {
            throw new ArgumentException(TooLarge(count), nameof(simulation));
        }

        var periodic = count - simulation.TagAt.Count;
        var history = new List<RetentionCandidate>((int)count);
        for (var i = 0L; i < periodic; i++)
        {
            history.Add(Backup(simulation.Until - (simulation.Every * i), []));
        }

        foreach (var extra in simulation.TagAt)
        {
            history.Add(Backup(extra.Time, [extra.Tag], extra.Tag));
        }

        return history;
    }

    /// <summary>How many backups the simulation builds: one per period from <c>Until - For</c> through <c>Until</c>, plus the tagged ones.</summary>
    public static long Count(RetentionSimulation simulation, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(simulation);
        ArgumentNullException.ThrowIfNull(zone);
        if (simulation.Every <= TimeSpan.Zero)
        {
            throw new ArgumentException("the period must be positive", nameof(simulation));
        }

        var start = simulation.For.Before(simulation.Until, zone);
        return ((simulation.Until - start).Ticks / simulation.Every.Ticks) + 1 + simulation.TagAt.Count;
    }

    /// <summary>Why a simulation of <paramref name="count"/> backups is refused.</summary>
    public static string TooLarge(long count) => string.Create(
        CultureInfo.InvariantCulture,
        $"the simulation would build {count:N0} backups, more than {RetentionSimulation.MaxBackups:N0}; use a longer period or a shorter span");

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
