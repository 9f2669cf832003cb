using System.Globalization;

namespace Pitcrew.Backups.Retention;

/// <summary>Describes a policy in one line, as restic's forget prints it.</summary>
internal static class RetentionPolicyText
{
    public static string Describe(RetentionPolicy policy)
    {
        var counts = new List<string>();
        if (policy.KeepLast > 0)
        {
            counts.Add("the last " + policy.KeepLast.ToString(CultureInfo.InvariantCulture));
        }
        else if (policy.KeepLast == -1)
        {
            counts.Add("all");
        }

        foreach (var tier in RetentionTiers.All)
        {
            AddCount(counts, RetentionTiers.Count(policy, tier), RetentionTiers.Name(tier));
        }

        var parts = new List<string>();
        if (counts.Count > 0)
        {
            parts.Add(string.Join(", ", counts) + " backups");
        }

        foreach (var tier in RetentionTiers.All)
        {
            if (RetentionTiers.Within(policy, tier) is { } span)
            {
                parts.Add($"{RetentionTiers.Name(tier)} backups within {span}");
            }
        }

        if (policy.KeepWithin is { } within)
        {
            parts.Add($"all backups within {within} of the newest");
        }

        if (policy.KeepTags.Count > 0)
        {
            parts.Add("all backups tagged " + string.Join(" or ", policy.KeepTags));
        }

        var zone = policy.TimeZone.Id == TimeZoneInfo.Utc.Id ? string.Empty : $" (calendar in {policy.TimeZone.Id})";
        var kept = parts.Count == 0 ? "keep every backup (no keep rule)" : "keep " + string.Join("; ", parts);
        return $"{kept}; {RetentionPolicy.PreUpgradeTag} forever{zone}";
    }

    private static void AddCount(List<string> counts, int count, string name)
    {
        if (count > 0)
        {
            counts.Add(count.ToString(CultureInfo.InvariantCulture) + " " + name);
        }
        else if (count == -1)
        {
            counts.Add("all " + name);
        }
    }
}
