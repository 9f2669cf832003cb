using System.Globalization;

namespace Pitcrew.Backups.Retention;

/// <summary>Decides which backups a policy keeps, with restic's <c>forget</c> semantics plus Pitcrew's safety rules.</summary>
public static class RetentionPlanner
{
    private static readonly IReadOnlySet<string> NoneForgotten = new HashSet<string>(StringComparer.Ordinal);

    // Shared by every decision that carries only this reason: most backups of a long history are deleted.
    private static readonly string[] NotKept = [RetentionReasons.NotKept];
    private static readonly string[] Forgotten = [RetentionReasons.Forgotten];

    /// <summary>One decision per backup, newest first (ties by name, descending); pure and deterministic, O(n log n).</summary>
    /// <remarks>
    /// Backups sort newest first. For each calendar tier, a backup whose bucket differs from the last kept one's is
    /// kept and uses one of the tier's N buckets; when buckets are left at the oldest backup, it is kept too (restic's
    /// "oldest" rule, which lengthens the history). Keep-last keeps the N newest, keep-within those after the newest
    /// backup's time minus the span, keep-tag every tagged one. On top: <c>pre-upgrade</c> backups are always kept,
    /// names in <paramref name="explicitlyForgotten"/> are deleted and take no bucket, and the newest verified backup
    /// is never deleted.
    /// </remarks>
    public static IReadOnlyList<RetentionDecision> Decide(IReadOnlyList<RetentionCandidate> backups, RetentionPolicy policy, IReadOnlySet<string>? explicitlyForgotten = null)
    {
        ArgumentNullException.ThrowIfNull(backups);
        ArgumentNullException.ThrowIfNull(policy);
        var forgotten = explicitlyForgotten ?? NoneForgotten;
        var ordered = backups
            .OrderByDescending(b => b.CreatedAt)
            .ThenByDescending(b => b.Name, StringComparer.Ordinal)
            .ToArray();
        var reasons = new List<string>?[ordered.Length];
        var candidates = new List<int>(ordered.Length);
        for (var i = 0; i < ordered.Length; i++)
        {
            if (!forgotten.Contains(ordered[i].Name))
            {
                candidates.Add(i);
            }
        }

        if (policy.IsEmpty)
        {
            candidates.ForEach(i => reasons[i] = [RetentionReasons.EmptyPolicy]);
        }
        else
        {
            new PolicyWalk(policy, ordered, candidates).Apply(reasons);
        }

        var newestVerified = Array.FindIndex(ordered, b => b.Verified);
        var decisions = new RetentionDecision[ordered.Length];
        for (var i = 0; i < ordered.Length; i++)
        {
            decisions[i] = Finish(ordered[i], reasons[i], forgotten.Contains(ordered[i].Name), i == newestVerified);
        }

        return decisions;
    }

    private static RetentionDecision Finish(RetentionCandidate backup, List<string>? reasons, bool forgotten, bool newestVerified)
    {
        if (forgotten)
        {
            return newestVerified
                ? new RetentionDecision(backup, true, [RetentionReasons.NewestVerified, RetentionReasons.ForgottenRefused])
                : new RetentionDecision(backup, false, Forgotten);
        }

        if (backup.Tags.Contains(RetentionPolicy.PreUpgradeTag, StringComparer.Ordinal))
        {
            (reasons ??= []).Add(RetentionReasons.PreUpgrade);
        }

        if (newestVerified)
        {
            (reasons ??= []).Add(RetentionReasons.NewestVerified);
        }

        return reasons is { Count: > 0 }
            ? new RetentionDecision(backup, true, reasons)
            : new RetentionDecision(backup, false, NotKept);
    }

    /// <summary>restic's ApplyPolicy loop over the candidates, newest first.</summary>
    private sealed class PolicyWalk(RetentionPolicy policy, RetentionCandidate[] ordered, List<int> candidates)
    {
        private const long NoBucket = long.MinValue;

        public void Apply(List<string>?[] reasons)
        {
            if (candidates.Count == 0)
            {
                return;
            }

            var zone = policy.TimeZone;
            var newest = ordered[candidates[0]].CreatedAt;
            DateTimeOffset? withinStart = policy.KeepWithin is { } within ? within.Before(newest, zone) : null;
            var tierLeft = RetentionTiers.All.Select(t => RetentionTiers.Count(policy, t)).ToArray();
            var tierLast = RetentionTiers.All.Select(_ => NoBucket).ToArray();
            var withinStarts = RetentionTiers.All.Select(t => RetentionTiers.Within(policy, t) is { } span ? span.Before(newest, zone) : (DateTimeOffset?)null).ToArray();
            var withinLast = RetentionTiers.All.Select(_ => NoBucket).ToArray();
            var tagSets = policy.KeepTags.Select(t => (Spec: t, Parts: t.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))).ToArray();
            var lastLeft = policy.KeepLast;

            for (var k = 0; k < candidates.Count; k++)
            {
                var backup = ordered[candidates[k]];
                ref var into = ref reasons[candidates[k]];
                var oldest = k == candidates.Count - 1;
                var local = TimeZoneInfo.ConvertTime(backup.CreatedAt, zone).DateTime;

                foreach (var (spec, parts) in tagSets)
                {
                    if (parts.Length == 0 ? backup.Tags.Count == 0 : parts.All(p => backup.Tags.Contains(p, StringComparer.Ordinal)))
                    {
                        (into ??= []).Add(parts.Length == 0 ? "untagged: kept by keep-tag ''" : $"tag {spec}: kept by keep-tag");
                    }
                }

                if (withinStart is { } start && backup.CreatedAt > start)
                {
                    (into ??= []).Add($"within {policy.KeepWithin} of the newest backup");
                }

                if (lastLeft != 0)
                {
                    (into ??= []).Add(policy.KeepLast == -1 ? "last: all" : "last " + policy.KeepLast.ToString(CultureInfo.InvariantCulture));
                    lastLeft = lastLeft > 0 ? lastLeft - 1 : lastLeft;
                }

                for (var t = 0; t < RetentionTiers.All.Length; t++)
                {
                    if (tierLeft[t] == 0)
                    {
                        continue;
                    }

                    var tier = RetentionTiers.All[t];
                    var key = RetentionTiers.Key(tier, local);
                    if (key != tierLast[t])
                    {
                        (into ??= []).Add($"{RetentionTiers.Name(tier)} tier: newest of {RetentionTiers.Label(tier, local)}");
                    }
                    else if (oldest)
                    {
                        (into ??= []).Add($"{RetentionTiers.Name(tier)} tier: oldest backup, kept while {Unused(tierLeft[t], RetentionTiers.Count(policy, tier), tier)}");
                    }
                    else
                    {
                        continue;
                    }

                    tierLast[t] = key;
                    tierLeft[t] = tierLeft[t] > 0 ? tierLeft[t] - 1 : tierLeft[t];
                }

                for (var t = 0; t < RetentionTiers.All.Length; t++)
                {
                    if (withinStarts[t] is not { } tierStart || backup.CreatedAt <= tierStart)
                    {
                        continue;
                    }

                    var tier = RetentionTiers.All[t];
                    var key = RetentionTiers.Key(tier, local);
                    var span = RetentionTiers.Within(policy, tier);
                    if (key != withinLast[t])
                    {
                        (into ??= []).Add($"{RetentionTiers.Name(tier)} within {span}: newest of {RetentionTiers.Label(tier, local)}");
                        withinLast[t] = key;
                    }
                    else if (oldest)
                    {
                        (into ??= []).Add($"{RetentionTiers.Name(tier)} within {span}: oldest backup in the span");
                    }
                }
            }
        }

        private static string Unused(int left, int total, RetentionTier tier) => total == -1
            ? $"all {RetentionTiers.Unit(tier)} are kept"
            : $"{left} of {total} {RetentionTiers.Unit(tier)} are unused";
    }
}
