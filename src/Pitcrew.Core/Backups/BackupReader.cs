using System.Buffers;
using Pitcrew.Backups.Crypto;
using Pitcrew.Backups.Stores;
using Pitcrew.Files;
using Pitcrew.Snapshots;
using ZstdSharp;

namespace Pitcrew.Backups;

/// <summary>A fetched backup: its manifest, the plain snapshot written, and what the native reader found in it.</summary>
public sealed record BackupFetchResult(BackupManifest Manifest, string Path, SnapshotStatus Status, TimeSpan Took)
{
    /// <summary>What verify found of the changes streamed after the backup (null when it has none, or for get).</summary>
    public Changes.ChainCheck? Chain { get; init; }
}

/// <summary>
/// store -> size check -> stored SHA-256 -> decrypt -> decompress -> plain SHA-256 -> atomic file (0600) -> structure
/// walk. Each mismatch is its own message: missing, truncated, tampered, wrong key.
/// </summary>
internal static class BackupReader
{
    private const int CopyBuffer = 1 << 20;

    public static async Task<BackupFetchResult> FetchAsync(
        IBackupStore store, string name, BackupKey? key, string destination, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var manifest = await BackupCatalog.ResolveAsync(store, name, cancellationToken).ConfigureAwait(false);
        var what = $"{store.Location}/{manifest.Stored.Key}";
        CheckKey(manifest.Stored, key, what);
        var stat = await store.StatAsync(manifest.Stored.Key, cancellationToken).ConfigureAwait(false)
            ?? throw new PitcrewException($"{what}: missing: the manifest of {manifest.Name} names an object the store does not have", ExitCodes.FileNotFound);
        if (stat.Size < manifest.Stored.Size)
        {
            throw new PitcrewException($"{what}: truncated: {stat.Size} bytes stored, the manifest says {manifest.Stored.Size}", ExitCodes.Truncated);
        }

        if (stat.Size > manifest.Stored.Size)
        {
            throw new PitcrewException($"{what}: tampered: {stat.Size} bytes stored, the manifest says {manifest.Stored.Size}", ExitCodes.Corrupt);
        }

        // Written and walked under a staging name, renamed over FILE only once every check passed.
        var full = Path.GetFullPath(destination);
        var staging = $"{full}.{Environment.ProcessId}.fetch";
        try
        {
            await using (var file = AtomicFile.Create(staging))
            {
                await CopyAsync(store, manifest, key, what, file.Stream, cancellationToken).ConfigureAwait(false);
                await file.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            var status = await SnapshotReader.VerifyAsync(staging, skipHashCheck: false, cancellationToken).ConfigureAwait(false);
            if (status.Trailer.Sha256 != manifest.Snapshot.Sha256)
            {
                throw new PitcrewException(
                    $"{what}: the snapshot's SHA-256 trailer is {status.Trailer.Sha256}, the manifest says {manifest.Snapshot.Sha256}", ExitCodes.Corrupt);
            }

            if (status.Revision != manifest.Snapshot.Revision)
            {
                throw new PitcrewException(
                    $"{what}: the snapshot is at revision {status.Revision}, the manifest says {manifest.Snapshot.Revision}", ExitCodes.Corrupt);
            }

            File.Move(staging, full, overwrite: true);
            DirectorySync.Flush(Path.GetDirectoryName(full)!);
            return new BackupFetchResult(manifest, full, status, time.GetElapsedTime(started));
        }
        finally
        {
            File.Delete(staging);
        }
    }

    /// <summary>
    /// Fetches a backup into a private file for Pitcrew to read at once (a point rebuild walks it anyway): the stored
    /// size, the stored SHA-256 and the plain size are checked, the structure walk and trailer hash are left to the reader.
    /// </summary>
    public static async Task<BackupManifest> FetchForRebuildAsync(IBackupStore store, string name, BackupKey? key, string destination, CancellationToken cancellationToken)
    {
        var manifest = await BackupCatalog.ResolveAsync(store, name, cancellationToken).ConfigureAwait(false);
        var what = $"{store.Location}/{manifest.Stored.Key}";
        CheckKey(manifest.Stored, key, what);
        await using var file = AtomicFile.Create(destination);
        await CopyAsync(store, manifest, key, what, file.Stream, cancellationToken).ConfigureAwait(false);
        await file.CommitAsync(cancellationToken).ConfigureAwait(false);
        return manifest;
    }

    /// <summary>The key given against the one a stored object (backup or segment) was encrypted with: missing 2, wrong 6.</summary>
    internal static void CheckKey(BackupObjectInfo stored, BackupKey? key, string what)
    {
        if (stored.Encryption is not { } encryption)
        {
            return;
        }

        if (key is null)
        {
            throw new PitcrewException($"{what}: encrypted with key {encryption.KeyFingerprint}: pass --encrypt-key-file", ExitCodes.Usage);
        }

        if (key.Fingerprint != encryption.KeyFingerprint)
        {
            throw new PitcrewException(
                $"{what}: wrong key: the backup was encrypted with key {encryption.KeyFingerprint}, --encrypt-key-file is key {key.Fingerprint}",
                ExitCodes.TlsOrAuth);
        }
    }

    private static async Task CopyAsync(
        IBackupStore store, BackupManifest manifest, BackupKey? key, string what, Stream destination, CancellationToken cancellationToken)
    {
        var compression = BackupCompressions.Parse(manifest.Stored.Compression);
        var raw = await store.OpenReadAsync(manifest.Stored.Key, cancellationToken).ConfigureAwait(false);
        var stored = new HashingStream(raw, leaveOpen: false);
        Stream decrypted = manifest.Stored.Encryption is null ? stored : new DecryptingStream(stored, key!, what);
        using var plain = new HashingStream(BackupCompressions.Decompress(decrypted, compression), leaveOpen: false, hash: false);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBuffer);
        try
        {
            int n;
            while ((n = await plain.ReadAsync(buffer.AsMemory(0, CopyBuffer), cancellationToken).ConfigureAwait(false)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }

            // Drain what the decompressor did not need, so the stored hash covers every byte.
            await stored.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or ZstdException or EndOfStreamException)
        {
            throw new PitcrewException($"{what}: tampered or truncated: the stored object does not decompress ({e.Message})", ExitCodes.Corrupt, e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (stored.Sha256 != manifest.Stored.Sha256)
        {
            throw new PitcrewException(
                $"{what}: tampered: SHA-256 of the stored object is {stored.Sha256}, the manifest says {manifest.Stored.Sha256}", ExitCodes.Corrupt);
        }

        if (plain.Bytes != manifest.Snapshot.Size)
        {
            throw new PitcrewException($"{what}: the restored snapshot has {plain.Bytes} bytes, the manifest says {manifest.Snapshot.Size}", ExitCodes.Corrupt);
        }
    }
}
