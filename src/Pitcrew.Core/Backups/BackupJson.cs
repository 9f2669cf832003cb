using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pitcrew.Backups;

/// <summary>Manifest, lock and stored retention policy JSON: camelCase, indented, compile-time metadata.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(BackupManifest))]
[JsonSerializable(typeof(LockRecord))]
[JsonSerializable(typeof(Retention.StoredRetentionPolicy))]
internal sealed partial class BackupJson : JsonSerializerContext
{
    public static byte[] Serialize(BackupManifest manifest) => JsonSerializer.SerializeToUtf8Bytes(manifest, Default.BackupManifest);

    public static BackupManifest ReadManifest(ReadOnlySpan<byte> json, string where)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize(json, Default.BackupManifest);
            return manifest is { Name: not null, Stored: not null, Snapshot: not null }
                ? manifest
                : throw new PitcrewException($"{where}: not a backup manifest", ExitCodes.Corrupt);
        }
        catch (JsonException e)
        {
            throw new PitcrewException($"{where}: unreadable manifest: {e.Message}", ExitCodes.Corrupt, e);
        }
    }
}
