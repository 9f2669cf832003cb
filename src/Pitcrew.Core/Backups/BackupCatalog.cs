using Pitcrew.Backups.Stores;

namespace Pitcrew.Backups;

/// <summary>A backup as listed: its manifest and what the store holds of its object.</summary>
public sealed record BackupEntry(BackupManifest Manifest, BackupObjectCheck ObjectCheck)
{
    /// <summary>The object is there with the size the manifest records, and readable.</summary>
    public bool ObjectPresent => ObjectCheck.State == BackupObjectState.Present;
}

/// <summary>Reads what a store holds: backups are the manifests; other Pitcrew objects without one are leftovers.</summary>
internal static class BackupCatalog
{
    public static async Task<IReadOnlyList<BackupEntry>> ListAsync(IBackupStore store, CancellationToken cancellationToken)
    {
        var objects = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        var byName = objects.ToDictionary(o => o.Name, StringComparer.Ordinal);
        var entries = new List<BackupEntry>();
        foreach (var item in objects)
        {
            if (BackupNames.TryParseManifest(item.Name, out var name))
            {
                if (await TryReadManifestAsync(store, name, cancellationToken).ConfigureAwait(false) is not { } manifest)
                {
                    // Pruned between the listing and this read.
                    continue;
                }

                var check = await CheckObjectAsync(store, manifest, byName.GetValueOrDefault(manifest.Stored.Key), cancellationToken).ConfigureAwait(false);
                entries.Add(new BackupEntry(manifest, check));
            }
        }

        return [.. entries.OrderBy(e => e.Manifest.CreatedAt).ThenBy(e => e.Manifest.Name, StringComparer.Ordinal)];
    }

    /// <summary>Reads one manifest; NAME may be "latest" (the newest backup).</summary>
    public static async Task<BackupManifest> ResolveAsync(IBackupStore store, string name, CancellationToken cancellationToken)
    {
        if (name == "latest")
        {
            var all = await ListAsync(store, cancellationToken).ConfigureAwait(false);
            return all.Count > 0 ? all[^1].Manifest : throw new PitcrewException($"{store.Location}: no backups yet", ExitCodes.FileNotFound);
        }

        if (await store.StatAsync(BackupNames.ManifestKey(name), cancellationToken).ConfigureAwait(false) is null)
        {
            throw new PitcrewException(
                $"{store.Location}: no backup named {name} (a backup exists once its manifest does); see `pitcrew etcd backup list`", ExitCodes.FileNotFound);
        }

        return await TryReadManifestAsync(store, name, cancellationToken).ConfigureAwait(false)
            ?? throw new PitcrewException($"{store.Location}: backup {name} was deleted while being read (a prune running?)", ExitCodes.FileNotFound);
    }

    /// <summary>Objects of backups without a manifest written no later than <paramref name="before"/>: what crashed runs left.</summary>
    /// <remarks>S3 times have whole seconds, so an object of the same second as the lock counts: only the lock holder writes, after cleaning.</remarks>
    public static IReadOnlyList<StoredObject> Leftovers(IReadOnlyList<StoredObject> objects, DateTimeOffset before)
    {
        var complete = objects.Select(o => BackupNames.TryParseManifest(o.Name, out var name) ? name : null).OfType<string>().ToHashSet(StringComparer.Ordinal);
        return [.. objects.Where(o => BackupNames.OwnerOf(o.Name) is { } owner && !complete.Contains(owner) && o.LastModified <= before)];
    }

    /// <summary>Deletes leftovers and incomplete uploads older than the lock the caller holds.</summary>
    public static async Task<int> CleanAsync(IBackupStore store, BackupLock held, CancellationToken cancellationToken)
    {
        var objects = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        var leftovers = Leftovers(objects, held.StoreTime);
        foreach (var leftover in leftovers)
        {
            await store.DeleteAsync(leftover.Name, cancellationToken).ConfigureAwait(false);
        }

        return leftovers.Count + await store.AbortStaleUploadsAsync(held.StoreTime, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<BackupObjectCheck> CheckObjectAsync(
        IBackupStore store, BackupManifest manifest, StoredObject? listed, CancellationToken cancellationToken)
    {
        var expected = manifest.Stored.Size;
        if (listed is null)
        {
            return new BackupObjectCheck(BackupObjectState.Missing, null, expected);
        }

        if (listed.Size != expected)
        {
            return new BackupObjectCheck(BackupObjectState.WrongSize, listed.Size, expected);
        }

        var readable = await store.CanReadAsync(listed.Name, cancellationToken).ConfigureAwait(false);
        return new BackupObjectCheck(readable ? BackupObjectState.Present : BackupObjectState.Unreadable, listed.Size, expected);
    }

    private static async Task<BackupManifest?> TryReadManifestAsync(IBackupStore store, string name, CancellationToken cancellationToken)
    {
        var bytes = await store.ReadSmallAsync(BackupNames.ManifestKey(name), cancellationToken).ConfigureAwait(false);
        return bytes is null ? null : BackupJson.ReadManifest(bytes, $"{store.Location}/{BackupNames.ManifestKey(name)}");
    }
}
