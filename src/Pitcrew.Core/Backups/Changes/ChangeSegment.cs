using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Pitcrew.Backups.Crypto;
using Pitcrew.Backups.Stores;

namespace Pitcrew.Backups.Changes;

/// <summary>
/// A stored run of changes after a full backup (its base), written as BASE.changes.FIRST-LAST.segment.json after its
/// object was stored: a segment exists only once this exists. Revisions FIRST..LAST are contiguous and complete.
/// </summary>
public sealed record SegmentManifest(
    int FormatVersion,
    string Base,
    long FirstRevision,
    long LastRevision,
    DateTimeOffset FirstAt,
    DateTimeOffset LastAt,
    long Changes,
    long PlainSize,
    string PlainSha256,
    BackupObjectInfo Stored,
    DateTimeOffset CompletedAt)
{
    public const int CurrentFormat = 1;
}

/// <summary>Segment JSON: camelCase, compile-time metadata.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(SegmentManifest))]
internal sealed partial class SegmentJson : JsonSerializerContext
{
    public static SegmentManifest Read(ReadOnlySpan<byte> json, string where)
    {
        try
        {
            return JsonSerializer.Deserialize(json, Default.SegmentManifest) is { Base: not null, Stored: not null } manifest
                ? manifest
                : throw new PitcrewException($"{where}: not a segment manifest", ExitCodes.Corrupt);
        }
        catch (JsonException e)
        {
            throw new PitcrewException($"{where}: unreadable segment manifest: {e.Message}", ExitCodes.Corrupt, e);
        }
    }
}

/// <summary>Names of change segments: BASE.changes.FIRST-LAST with revisions zero-padded, so they sort in order.</summary>
internal static class SegmentNames
{
    public const string Infix = ".changes.";
    public const string ManifestSuffix = ".segment.json";

    public static string Stem(string baseName, long first, long last) =>
        string.Create(CultureInfo.InvariantCulture, $"{baseName}{Infix}{first:D16}-{last:D16}");

    public static string ManifestKey(string baseName, long first, long last) => Stem(baseName, first, last) + ManifestSuffix;

    public static string ObjectKey(string baseName, long first, long last, BackupCompression compression, bool encrypted) =>
        Stem(baseName, first, last) + ".pchg" + BackupCompressions.Suffix(compression) + (encrypted ? ".enc" : string.Empty);

    /// <summary>The base of a segment manifest's key, or null when the key is not one.</summary>
    public static string? BaseOfManifest(string key)
    {
        if (!key.EndsWith(ManifestSuffix, StringComparison.Ordinal) || !key.StartsWith(BackupNames.Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var infix = key.IndexOf(Infix, StringComparison.Ordinal);
        return infix < 0 ? null : key[..infix];
    }
}

/// <summary>Writes and reads segments in a backup store: compress, encrypt with the store's key, checksum, manifest last.</summary>
internal static class ChangeSegments
{
    /// <summary>Stores the changes (revision order, FIRST..LAST contiguous) as one segment of the base's chain.</summary>
    public static async Task<SegmentManifest> WriteAsync(IBackupStore store, string baseName, IReadOnlyList<ChangeRecord> changes, BackupCompression compression,
        BackupKey? key, TimeProvider time, CancellationToken cancellationToken)
    {
        var (first, last) = (changes[0].Revision, changes[^1].Revision);
        var objectKey = SegmentNames.ObjectKey(baseName, first, last, compression, key is not null);
        string storedSha;
        string plainSha;
        long plainSize;
        StoredObject stored;
        await using (var upload = await store.OpenWriteAsync(objectKey, cancellationToken).ConfigureAwait(false))
        {
            using (var storedHash = new HashingStream(upload.Stream, leaveOpen: true))
            {
                using var encrypt = key is not null ? new EncryptingStream(storedHash, key) : null;
                var compress = BackupCompressions.Compress((Stream?)encrypt ?? storedHash, compression);
                await using (compress.ConfigureAwait(false))
                {
                    using var plain = new HashingStream(compress, leaveOpen: true);
                    var buffer = new MemoryStream();
                    buffer.Write(ChangeRecordFormat.Magic);
                    foreach (var change in changes)
                    {
                        ChangeRecordFormat.Write(buffer, change);
                    }

                    buffer.Position = 0;
                    await buffer.CopyToAsync(plain, cancellationToken).ConfigureAwait(false);
                    await plain.FlushAsync(cancellationToken).ConfigureAwait(false);
                    (plainSha, plainSize) = (plain.Sha256, plain.Bytes);
                }

                if (encrypt is not null)
                {
                    await encrypt.FinishAsync(cancellationToken).ConfigureAwait(false);
                }

                storedSha = storedHash.Sha256;
            }

            stored = await upload.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        var manifest = new SegmentManifest(SegmentManifest.CurrentFormat, baseName, first, last, changes[0].ReceivedAt, changes[^1].ReceivedAt, changes.Count,
            plainSize, plainSha,
            new BackupObjectInfo(objectKey, stored.Size, storedSha, BackupCompressions.Name(compression),
                key is not null ? new BackupEncryptionInfo(ChunkedAesGcm.Algorithm, key.Fingerprint, ChunkedAesGcm.ChunkSize) : null),
            time.GetUtcNow());
        await store.PutSmallAsync(SegmentNames.ManifestKey(baseName, first, last), JsonSerializer.SerializeToUtf8Bytes(manifest, SegmentJson.Default.SegmentManifest),
            cancellationToken).ConfigureAwait(false);
        return manifest;
    }

    /// <summary>Every segment manifest in the store, by base, in revision order.</summary>
    public static async Task<IReadOnlyDictionary<string, IReadOnlyList<SegmentManifest>>> ListAsync(IBackupStore store, IReadOnlyList<StoredObject>? listed,
        CancellationToken cancellationToken)
    {
        listed ??= await store.ListAsync(cancellationToken).ConfigureAwait(false);
        var byBase = new Dictionary<string, List<SegmentManifest>>(StringComparer.Ordinal);
        foreach (var item in listed.Where(o => SegmentNames.BaseOfManifest(o.Name) is not null).OrderBy(o => o.Name, StringComparer.Ordinal))
        {
            if (await store.ReadSmallAsync(item.Name, cancellationToken).ConfigureAwait(false) is not { } bytes)
            {
                continue;
            }

            var manifest = SegmentJson.Read(bytes, $"{store.Location}/{item.Name}");
            if (!byBase.TryGetValue(manifest.Base, out var list))
            {
                byBase[manifest.Base] = list = [];
            }

            list.Add(manifest);
        }

        return byBase.ToDictionary(p => p.Key, p => (IReadOnlyList<SegmentManifest>)[.. p.Value.OrderBy(s => s.FirstRevision)], StringComparer.Ordinal);
    }

    /// <summary>
    /// The contiguous run after a base revision: segments (of any base: a folded backup continues on the chain it was
    /// folded from) from base revision + 1 on, each one starting at or before the revision after the one before and
    /// reaching past it (the farthest reaching when several do); the first break ends it. What follows a break is never
    /// claimed. A segment may overlap the one before: readers skip the revisions already covered.
    /// </summary>
    public static IReadOnlyList<SegmentManifest> Chain(long baseRevision, IEnumerable<SegmentManifest> segments)
    {
        var all = segments.OrderBy(s => s.FirstRevision).ToList();
        var chain = new List<SegmentManifest>();
        var next = baseRevision + 1;
        while (true)
        {
            var step = all.Where(s => s.FirstRevision <= next && s.LastRevision >= next).OrderByDescending(s => s.LastRevision).FirstOrDefault();
            if (step is null)
            {
                return chain;
            }

            chain.Add(step);
            next = step.LastRevision + 1;
        }
    }

    /// <summary>Every segment manifest listed, whatever its base.</summary>
    public static IEnumerable<SegmentManifest> All(IReadOnlyDictionary<string, IReadOnlyList<SegmentManifest>> byBase) => byBase.Values.SelectMany(s => s);

    /// <summary>Reads a segment's changes, checking the stored and plain SHA-256, the size and the revisions its manifest claims.</summary>
    public static async IAsyncEnumerable<ChangeRecord> ReadAsync(IBackupStore store, SegmentManifest segment, BackupKey? key,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var what = $"{store.Location}/{segment.Stored.Key}";
        BackupReader.CheckKey(segment.Stored, key, what);

        var stat = await store.StatAsync(segment.Stored.Key, cancellationToken).ConfigureAwait(false)
            ?? throw new PitcrewException($"{what}: missing: segment {segment.FirstRevision}-{segment.LastRevision} of {segment.Base} names an object the store does not have", ExitCodes.FileNotFound);
        if (stat.Size != segment.Stored.Size)
        {
            throw new PitcrewException($"{what}: {(stat.Size < segment.Stored.Size ? "truncated" : "tampered")}: {stat.Size} bytes stored, the manifest says {segment.Stored.Size}",
                stat.Size < segment.Stored.Size ? ExitCodes.Truncated : ExitCodes.Corrupt);
        }

        // Small objects: read whole, verify, then decode (a tampered segment is refused before any change is used).
        var raw = await store.OpenReadAsync(segment.Stored.Key, cancellationToken).ConfigureAwait(false);
        var storedHash = new HashingStream(raw, leaveOpen: false);
        Stream decrypted = segment.Stored.Encryption is null ? storedHash : new DecryptingStream(storedHash, key!, what);
        var plainBytes = new MemoryStream();
        string storedSha;
        var plain = BackupCompressions.Decompress(decrypted, BackupCompressions.Parse(segment.Stored.Compression));
        try
        {
            await plain.CopyToAsync(plainBytes, cancellationToken).ConfigureAwait(false);
            await storedHash.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            storedSha = storedHash.Sha256;
        }
        catch (Exception e) when (e is InvalidDataException or ZstdSharp.ZstdException or EndOfStreamException)
        {
            throw new PitcrewException($"{what}: tampered or truncated: the segment does not decompress ({e.Message})", ExitCodes.Corrupt, e);
        }
        finally
        {
            await plain.DisposeAsync().ConfigureAwait(false);
        }

        if (storedSha != segment.Stored.Sha256)
        {
            throw new PitcrewException($"{what}: tampered: SHA-256 of the stored segment is {storedSha}, the manifest says {segment.Stored.Sha256}", ExitCodes.Corrupt);
        }

        plainBytes.Position = 0;
        var plainSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(plainBytes.GetBuffer().AsSpan(0, (int)plainBytes.Length)));
        if (plainSha != segment.PlainSha256 || plainBytes.Length != segment.PlainSize)
        {
            throw new PitcrewException($"{what}: the segment's changes do not match its manifest (SHA-256 {plainSha}, {plainBytes.Length} bytes)", ExitCodes.Corrupt);
        }

        long? previous = null;
        long count = 0;
        await foreach (var change in ChangeRecordFormat.ReadAsync(plainBytes, what, cancellationToken).ConfigureAwait(false))
        {
            if (previous is null ? change.Revision != segment.FirstRevision : change.Revision != previous && change.Revision != previous + 1)
            {
                throw new PitcrewException(string.Create(CultureInfo.InvariantCulture,
                    $"{what}: revision {change.Revision} follows {previous ?? segment.FirstRevision - 1}: the segment is not contiguous"), ExitCodes.Corrupt);
            }

            previous = change.Revision;
            count++;
            yield return change;
        }

        if (previous != segment.LastRevision || count != segment.Changes)
        {
            throw new PitcrewException(string.Create(CultureInfo.InvariantCulture,
                $"{what}: holds {count} changes up to revision {previous}, the manifest says {segment.Changes} up to {segment.LastRevision}"), ExitCodes.Corrupt);
        }
    }
}
