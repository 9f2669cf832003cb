using Pitcrew.Backups.Retention;
using Pitcrew.Backups.Stores;

namespace Pitcrew.Backups;

/// <summary>One backup's fate in a prune, as printed: keep or delete and every reason.</summary>
public sealed record PruneDecision(string Name, DateTimeOffset CreatedAt, IReadOnlyList<string> Tags, bool Keep, IReadOnlyList<string> Reasons);

/// <summary>What a prune decided and did; with --dry-run nothing was deleted.</summary>
/// <param name="Policy">The applied policy in one line.</param>
/// <param name="PolicySource">Whether it came from the command line, the store or the default.</param>
/// <param name="PolicyFrom">That origin in words, naming the stored object when it came from the store.</param>
public sealed record PruneResult(
    IReadOnlyList<PruneDecision> Decisions, int Deleted, bool DryRun, string Policy, RetentionPolicySource PolicySource, string PolicyFrom)
{
    public int Kept => Decisions.Count(d => d.Keep);
}

/// <summary>Applies the retention planner to a store's backups: manifest deleted first, then the object, so a crash leaves a leftover, never a listed backup without data.</summary>
internal static class BackupPruner
{
    /// <summary>The planner's decisions for the store's backups; those created after <paramref name="now"/> are left out.</summary>
    public static async Task<IReadOnlyList<PruneDecision>> PlanAsync(
        IBackupStore store, RetentionPolicy policy, IReadOnlyCollection<string> forget, DateTimeOffset? now, CancellationToken cancellationToken)
    {
        var entries = await BackupCatalog.ListAsync(store, cancellationToken).ConfigureAwait(false);
        var unknown = forget.Where(n => entries.All(e => e.Manifest.Name != n)).ToList();
        if (unknown.Count > 0)
        {
            throw new PitcrewException($"{store.Location}: no backup named {string.Join(", ", unknown)}; see `pitcrew etcd backup list`", ExitCodes.FileNotFound);
        }

        return Plan(entries, policy, forget, now);
    }

    public static IReadOnlyList<PruneDecision> Plan(
        IReadOnlyList<BackupEntry> entries, RetentionPolicy policy, IReadOnlyCollection<string> forget, DateTimeOffset? now)
    {
        var candidates = entries
            .Where(e => now is null || e.Manifest.CreatedAt <= now)
            .Select(e => new RetentionCandidate(e.Manifest.Name, e.Manifest.CreatedAt, e.Manifest.Tags, e.Manifest.Verified && e.ObjectPresent))
            .ToList();
        var decisions = RetentionPlanner.Decide(candidates, policy, forget.ToHashSet(StringComparer.Ordinal));
        return [.. decisions.Select(d => new PruneDecision(d.Backup.Name, d.Backup.CreatedAt, d.Backup.Tags, d.Keep, d.Reasons))];
    }

    public static async Task<PruneResult> PruneAsync(
        IBackupStore store, AppliedRetentionPolicy applied, IReadOnlyCollection<string> forget, bool dryRun, DateTimeOffset? now, CancellationToken cancellationToken)
    {
        var policy = applied.Policy;
        var decisions = await PlanAsync(store, policy, forget, now, cancellationToken).ConfigureAwait(false);
        var deleted = 0;
        if (!dryRun)
        {
            var listed = await BackupCatalog.ListAsync(store, cancellationToken).ConfigureAwait(false);
            var entries = listed.ToDictionary(e => e.Manifest.Name, StringComparer.Ordinal);
            var objects = await store.ListAsync(cancellationToken).ConfigureAwait(false);

            // Segments a kept backup's chain runs on stay, whichever backup they were streamed after (a folded backup
            // continues on the chain it was folded from).
            var pruned = decisions.Where(d => !d.Keep).Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
            var kept = listed.Where(e => !pruned.Contains(e.Manifest.Name)).ToList();
            var used = (await Changes.PointInTime.CoverageAsync(store, kept, cancellationToken).ConfigureAwait(false))
                .SelectMany(r => r.Chain).Select(c => Changes.SegmentNames.Stem(c.Base, c.FirstRevision, c.LastRevision) + ".").ToList();
            foreach (var decision in decisions.Where(d => !d.Keep))
            {
                if (entries.TryGetValue(decision.Name, out var entry))
                {
                    // The manifest first: a prune cut short leaves objects without one, which the next run removes.
                    await store.DeleteAsync(BackupNames.ManifestKey(decision.Name), cancellationToken).ConfigureAwait(false);
                    await store.DeleteAsync(entry.Manifest.Stored.Key, cancellationToken).ConfigureAwait(false);

                    // A chain of changes lives as long as the full backup it starts from (or a kept one continuing on it).
                    var chain = decision.Name + Changes.SegmentNames.Infix;
                    foreach (var segment in objects.Where(o => o.Name.StartsWith(chain, StringComparison.Ordinal)
                        && !used.Any(u => o.Name.StartsWith(u, StringComparison.Ordinal))))
                    {
                        await store.DeleteAsync(segment.Name, cancellationToken).ConfigureAwait(false);
                    }

                    deleted++;
                }
            }
        }

        return new PruneResult(decisions, deleted, dryRun, RetentionPolicyText.Describe(policy), applied.Source, applied.From);
    }
}
