using Pitcrew.Upgrade.Releases;

namespace Pitcrew.Upgrade;

/// <summary>Whether a minor still gets patches: the three newest minors do, each for about 14 months (12 standard, 2 maintenance).</summary>
internal static class SupportWindow
{
    public const string Supported = "supported";
    public const string Maintenance = "maintenance";
    public const string EndOfLife = "end of life";
    public const string Unknown = "unknown";

    public static SupportStatus Status(int major, int minor, ReleaseTable releases, DateOnly today)
    {
        var name = $"v{major}.{minor}";
        var release = releases.Find(major, minor);
        if (release is null)
        {
            return new SupportStatus(name, Unknown, null, $"{name} is not in the release table (data as of {releases.AsOf:yyyy-MM-dd})");
        }

        var newest = releases.Minors.TakeLast(SkewPolicy.SupportedMinors).Contains(release);
        if (today > release.EndOfLife)
        {
            return new SupportStatus(name, EndOfLife, release.EndOfLife, $"no patches since {release.EndOfLife:yyyy-MM-dd}; upgrade to a supported minor");
        }

        if (today > release.EndOfLife.AddMonths(-SkewPolicy.MaintenanceMonths))
        {
            return new SupportStatus(name, Maintenance, release.EndOfLife, $"critical fixes only until {release.EndOfLife:yyyy-MM-dd}");
        }

        return new SupportStatus(name, Supported, release.EndOfLife,
            $"patches until {release.EndOfLife:yyyy-MM-dd}{(newest ? $" (one of the {SkewPolicy.SupportedMinors} newest minors)" : string.Empty)}");
    }

    /// <summary>The oldest minor of the table not yet past its end of life: the nearest one an end-of-life cluster can get patches on; null when the table has none.</summary>
    public static MinorRelease? OldestSupported(ReleaseTable releases, DateOnly today) => releases.Minors.FirstOrDefault(m => today <= m.EndOfLife);
}
