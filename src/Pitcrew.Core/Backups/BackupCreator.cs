using System.Buffers;
using System.Globalization;
using System.Reflection;
using Pitcrew.Backups.Crypto;
using Pitcrew.Backups.Stores;
using Pitcrew.Etcd;
using Pitcrew.Snapshots;

namespace Pitcrew.Backups;

/// <summary>
/// snapshot (trailer-checked) -> spool file -> structure walk, in parallel with compress -> encrypt -> upload ->
/// read back -> manifest last. The caller holds the store's lock; a failure at any point leaves no manifest.
/// </summary>
internal static class BackupCreator
{
    private const int CopyBuffer = 1 << 20;

    public static async Task<BackupManifest> CreateAsync(
        IBackupStore store, BackupCreateOptions options, IProgress<SnapshotProgress>? progress, TimeProvider time, CancellationToken cancellationToken)
    {
        var createdAt = time.GetUtcNow();
        var name = BackupNames.New(createdAt);
        var spool = Spool.PathFor(options.WorkDirectory, name);
        try
        {
            var key = BackupNames.ObjectKey(name, options.Compression, options.Key is not null);
            StoredObject stored;
            string storedSha;
            SnapshotSaveResult saved;
            SnapshotStatus status;
            BackupSource source;
            await using (var upload = await store.OpenWriteAsync(key, cancellationToken).ConfigureAwait(false))
            {
                // The upload reads the spool while the snapshot is still streaming into it; it commits only after
                // the trailer matched and the structure walk passed.
                using var growing = new GrowingFileStream(spool);
                using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var forward = new Forward(progress, growing);
                var saving = SnapshotSaver.SaveAsync(new SnapshotSaveOptions(spool, options.Connection), forward, time, abort.Token);
                var writing = WriteAsync(growing, upload.Stream, options, abort.Token);
                if (await Task.WhenAny(saving, writing).ConfigureAwait(false) == writing && writing.IsFaulted)
                {
                    await abort.CancelAsync().ConfigureAwait(false);
                    await ((Task)saving).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    await writing.ConfigureAwait(false);
                }

                try
                {
                    saved = await saving.ConfigureAwait(false);
                }
                catch
                {
                    await abort.CancelAsync().ConfigureAwait(false);
                    await ((Task)writing).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    throw;
                }

                growing.Complete();
                var walk = Task.Run(() => SnapshotReader.VerifyAsync(spool, skipHashCheck: true, cancellationToken), cancellationToken);
                source = await SourceAsync(options.Connection, saved.Endpoint, cancellationToken).ConfigureAwait(false);
                await Checkpoint(options, BackupPhase.Snapshot, cancellationToken).ConfigureAwait(false);
                (storedSha, var plainBytes) = await writing.ConfigureAwait(false);
                if (plainBytes != saved.Bytes)
                {
                    throw new PitcrewException($"{name}: uploaded {plainBytes} snapshot bytes, etcd sent {saved.Bytes}; nothing was stored", ExitCodes.Failed);
                }

                try
                {
                    status = await walk.ConfigureAwait(false);
                }
                catch (SnapshotFormatException e)
                {
                    throw new SnapshotFormatException($"etcd sent a snapshot that fails the structure check: {e.Message}; nothing was stored", e.ExitCode, e);
                }

                stored = await upload.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            await ReadBackAsync(store, stored, storedSha, cancellationToken).ConfigureAwait(false);
            await Checkpoint(options, BackupPhase.Manifest, cancellationToken).ConfigureAwait(false);

            var manifest = new BackupManifest(
                BackupManifest.CurrentFormat, name, createdAt, time.GetUtcNow(), PitcrewVersion, source,
                new BackupSnapshotInfo(status.Revision, status.CompactRevision, saved.Bytes, saved.Sha256, status.TotalKey, status.Version,
                    status.RegistryKeys),
                new BackupObjectInfo(key, stored.Size, storedSha, BackupCompressions.Name(options.Compression),
                    options.Key is { } k ? new BackupEncryptionInfo(ChunkedAesGcm.Algorithm, k.Fingerprint, ChunkedAesGcm.ChunkSize) : null),
                [.. options.Tags.Distinct(StringComparer.Ordinal)],
                Verified: true);
            await store.PutSmallAsync(BackupNames.ManifestKey(name), BackupJson.Serialize(manifest), cancellationToken).ConfigureAwait(false);
            return manifest;
        }
        finally
        {
            File.Delete(spool);
            File.Delete(spool + ".part");
        }
    }

    /// <summary>
    /// Stores a snapshot file Pitcrew built (a folded point) as a full backup: walked, compressed, encrypted, uploaded,
    /// read back, manifest last, as a backup from etcd is. The source and the time come from the caller.
    /// </summary>
    public static async Task<BackupManifest> CreateFromFileAsync(IBackupStore store, string snapshot, BackupSource source, DateTimeOffset createdAt,
        BackupCompression compression, BackupKey? key, IReadOnlyList<string> tags, TimeProvider time, CancellationToken cancellationToken)
    {
        var status = await SnapshotReader.VerifyAsync(snapshot, skipHashCheck: false, cancellationToken).ConfigureAwait(false);
        var name = BackupNames.New(createdAt);
        var objectKey = BackupNames.ObjectKey(name, compression, key is not null);
        var options = new BackupCreateOptions(new EtcdConnectionOptions([source.Endpoint]), tags, compression, key, null);
        StoredObject stored;
        string storedSha;
        long size;
        await using (var upload = await store.OpenWriteAsync(objectKey, cancellationToken).ConfigureAwait(false))
        {
            await using var file = new FileStream(snapshot, FileMode.Open, FileAccess.Read, FileShare.Read, CopyBuffer, useAsync: true);
            (storedSha, size) = await WriteAsync(file, upload.Stream, options, cancellationToken).ConfigureAwait(false);
            stored = await upload.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        await ReadBackAsync(store, stored, storedSha, cancellationToken).ConfigureAwait(false);
        var manifest = new BackupManifest(
            BackupManifest.CurrentFormat, name, createdAt, time.GetUtcNow(), PitcrewVersion, source,
            new BackupSnapshotInfo(status.Revision, status.CompactRevision, size, status.Trailer.Sha256 ?? throw new PitcrewException($"{snapshot}: no SHA-256 trailer", ExitCodes.Truncated),
                status.TotalKey, status.Version, status.RegistryKeys),
            new BackupObjectInfo(objectKey, stored.Size, storedSha, BackupCompressions.Name(compression),
                key is { } k ? new BackupEncryptionInfo(ChunkedAesGcm.Algorithm, k.Fingerprint, ChunkedAesGcm.ChunkSize) : null),
            [.. tags.Distinct(StringComparer.Ordinal)],
            Verified: true);
        await store.PutSmallAsync(BackupNames.ManifestKey(name), BackupJson.Serialize(manifest), cancellationToken).ConfigureAwait(false);
        return manifest;
    }

    public static string PitcrewVersion { get; } =
        (typeof(BackupCreator).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown").Split('+')[0];

    /// <summary>Streams the spool through compression and encryption into the upload; returns SHA-256 of plain and stored bytes.</summary>
    private static async Task<(string Stored, long PlainBytes)> WriteAsync(
        Stream source, Stream destination, BackupCreateOptions options, CancellationToken cancellationToken)
    {
        using var stored = new HashingStream(destination, leaveOpen: true);
        using var encrypt = options.Key is { } key ? new EncryptingStream(stored, key) : null;
        // Counted, not hashed: etcd's trailer, checked as the snapshot streamed, is the snapshot's digest.
        using var plain = new HashingStream(source, leaveOpen: true, hash: false);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBuffer);
        try
        {
            var compress = BackupCompressions.Compress((Stream?)encrypt ?? stored, options.Compression);
            await using (compress.ConfigureAwait(false))
            {
                var paused = false;
                int n;
                while ((n = await plain.ReadAsync(buffer.AsMemory(0, CopyBuffer), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await compress.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    if (!paused)
                    {
                        paused = true;
                        await compress.FlushAsync(cancellationToken).ConfigureAwait(false);
                        await Checkpoint(options, BackupPhase.Upload, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            if (encrypt is not null)
            {
                await encrypt.FinishAsync(cancellationToken).ConfigureAwait(false);
            }

            return (stored.Sha256, plain.Bytes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Files are re-hashed; S3 uploads were compared by size and ETag when committed.</summary>
    private static async Task ReadBackAsync(IBackupStore store, StoredObject stored, string sha256, CancellationToken cancellationToken)
    {
        if (store is not FileBackupStore)
        {
            return;
        }

        await using var stream = await store.OpenReadAsync(stored.Name, cancellationToken).ConfigureAwait(false);
        using var hash = new HashingStream(stream, leaveOpen: true);
        await hash.CopyToAsync(Stream.Null, CopyBuffer, cancellationToken).ConfigureAwait(false);
        if (hash.Sha256 != sha256)
        {
            throw new PitcrewException($"{store.Location}/{stored.Name}: reads back with SHA-256 {hash.Sha256}, wrote {sha256}", ExitCodes.Corrupt);
        }
    }

    private static async Task<BackupSource> SourceAsync(EtcdConnectionOptions connection, string endpoint, CancellationToken cancellationToken)
    {
        using var client = new EtcdEndpointClient(connection, endpoint);
        var status = await client.StatusAsync(cancellationToken).ConfigureAwait(false);
        return new BackupSource(endpoint, status.Version, status.ClusterId.ToString("x", CultureInfo.InvariantCulture),
            status.MemberId.ToString("x", CultureInfo.InvariantCulture));
    }

    /// <summary>Passes snapshot progress on and wakes the upload, which reads the spool as it grows.</summary>
    private sealed class Forward(IProgress<SnapshotProgress>? inner, GrowingFileStream growing) : IProgress<SnapshotProgress>
    {
        public void Report(SnapshotProgress value)
        {
            inner?.Report(value);
            growing.Notify();
        }
    }

    private static Task Checkpoint(BackupCreateOptions options, BackupPhase phase, CancellationToken cancellationToken) =>
        options.Checkpoint?.Invoke(phase, cancellationToken) ?? Task.CompletedTask;
}
