using System.Text;
using Pitcrew.Backups.Crypto;
using Pitcrew.Backups.Stores;

namespace Pitcrew.Backups.Changes;

/// <summary>One change of a key as the stream stored it: when, at which revision, what happened, and the version after it.</summary>
public sealed record KeyChange(long Revision, DateTimeOffset ReceivedAt, string Event, string Key, long Version, long CreateRevision, long ValueSize, long Lease, string Base);

/// <summary>
/// The stored history of a key or prefix: every put and delete the change stream stored, oldest first, across every
/// chain (a revision two chains both hold is listed once). A put that creates the key is ADDED (version 1), a later
/// one MODIFIED, a delete DELETED, as the watch's event types read.
/// </summary>
internal static class KeyHistory
{
    public static async Task<IReadOnlyList<KeyChange>> ReadAsync(IBackupStore store, string key, bool prefix, BackupKey? backupKey, CancellationToken cancellationToken)
    {
        var wanted = Encoding.UTF8.GetBytes(key);
        var changes = new List<KeyChange>();
        var seen = new HashSet<(long, string)>();
        foreach (var range in await PointInTime.CoverageAsync(store, cancellationToken).ConfigureAwait(false))
        {
            foreach (var segment in range.Chain)
            {
                await foreach (var change in ChangeSegments.ReadAsync(store, segment, backupKey, cancellationToken).ConfigureAwait(false))
                {
                    var matches = prefix ? change.Key.AsSpan().StartsWith(wanted) : change.Key.AsSpan().SequenceEqual(wanted);
                    if (!matches)
                    {
                        continue;
                    }

                    var name = Encoding.UTF8.GetString(change.Key);
                    if (!seen.Add((change.Revision, name)))
                    {
                        continue;
                    }

                    var type = change.Deleted ? "DELETED" : change.Version == 1 ? "ADDED" : "MODIFIED";
                    changes.Add(new KeyChange(change.Revision, change.ReceivedAt, type, name, change.Deleted ? 0 : change.Version, change.CreateRevision,
                        change.Value.Length, change.Lease, range.Base.Name));
                }
            }
        }

        return [.. changes.OrderBy(c => c.Revision).ThenBy(c => c.Key, StringComparer.Ordinal)];
    }
}
