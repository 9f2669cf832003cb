using System.Globalization;
using Pitcrew.Backups.Crypto;
using Pitcrew.Backups.Stores;

namespace Pitcrew.Backups.Changes;

/// <summary>What a fold made: the new full backup, the one it was folded from, and the changes folded into it.</summary>
public sealed record FoldResult(BackupManifest Folded, string From, long Changes, int Segments, TimeSpan Took);

/// <summary>
/// Folds a full backup and its chain into a new full backup at the chain's end (or a revision inside it): the point is
/// rebuilt as `backup get --revision` does and stored like any backup (compressed, encrypted, read back, manifest last),
/// dated when its last change was received and tagged "folded". Restores after it start there, so none replays more than
/// the changes since; the chain it was folded from stays as long as a kept backup runs on it.
/// </summary>
internal static class ChainCompactor
{
    public const string Tag = "folded";

    public static async Task<FoldResult> FoldAsync(IBackupStore store, string name, long? revision, BackupCompression compression, BackupKey? key, string workDirectory,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var ranges = await PointInTime.CoverageAsync(store, cancellationToken).ConfigureAwait(false);
        var range = name == "latest"
            ? ranges.Where(r => r.Chain.Count > 0).OrderBy(r => r.Last).ThenBy(r => r.First).LastOrDefault()
                ?? throw new PitcrewException($"{store.Location}: no backup has streamed changes to fold", ExitCodes.FileNotFound)
            : ranges.SingleOrDefault(r => r.Base.Name == name)
                ?? throw new PitcrewException($"{store.Location}: no backup named {name}; see `pitcrew etcd backup list`", ExitCodes.FileNotFound);
        var target = revision ?? range.Last;
        if (target <= range.First || target > range.Last)
        {
            throw new PitcrewException(string.Create(CultureInfo.InvariantCulture,
                $"{range.Base.Name} covers revisions {range.First}-{range.Last}: nothing to fold at {target}") + (range.Chain.Count == 0 ? " (it has no streamed changes)" : string.Empty),
                ExitCodes.Usage);
        }

        Directory.CreateDirectory(workDirectory);
        var file = Path.Combine(workDirectory, $"pitcrew-fold-{Environment.ProcessId}-{range.Base.Name}-{target}.db");
        try
        {
            var point = await PointInTime.BuildAsync(store, range, target, key, file, workDirectory, time, cancellationToken).ConfigureAwait(false);
            var at = await ReceivedAtAsync(store, range, target, key, cancellationToken).ConfigureAwait(false);
            var folded = await BackupCreator.CreateFromFileAsync(store, file, range.Base.Etcd, at, compression, key, [Tag], time, cancellationToken).ConfigureAwait(false);
            return new FoldResult(folded, range.Base.Name, point.Replayed, point.Segments, time.GetElapsedTime(started));
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>When the stream received the revision: the folded backup is dated then, so --at before it picks an older one.</summary>
    private static async Task<DateTimeOffset> ReceivedAtAsync(IBackupStore store, CoveredRange range, long revision, BackupKey? key, CancellationToken cancellationToken)
    {
        var segment = range.Chain.Last(s => s.FirstRevision <= revision);
        if (segment.LastRevision == revision)
        {
            return segment.LastAt;
        }

        var at = segment.FirstAt;
        await foreach (var change in ChangeSegments.ReadAsync(store, segment, key, cancellationToken).ConfigureAwait(false))
        {
            if (change.Revision > revision)
            {
                break;
            }

            at = change.ReceivedAt;
        }

        return at;
    }
}
