using System.Text.Json;
using System.Text.Json.Serialization;
using Pitcrew.Files;

namespace Pitcrew.Restore;

/// <summary>
/// The procedure's journal: which snapshot, the stamp the old data dirs were moved aside with, and the steps done, in
/// order. Written atomically after every step, so a crash leaves the last complete state and --resume goes on from it.
/// </summary>
public sealed record ClusterRestoreJournal(string Snapshot, string Stamp, IReadOnlyList<string> Members, IReadOnlyList<string> Done, bool Finished)
{
    public const string FileName = "cluster-restore.json";

    public bool IsDone(string stepId) => Done.Contains(stepId, StringComparer.Ordinal);

    public ClusterRestoreJournal With(string stepId) => this with { Done = [.. Done, stepId] };

    /// <summary>A new run's journal: nothing done yet, the members kept as NODE|MEMBER|PEER-URL,... so a resume finds them with etcd down.</summary>
    public static ClusterRestoreJournal Start(string snapshot, string stamp, IEnumerable<HostedMember> members) =>
        new(snapshot, stamp, [.. members.Select(m => $"{m.Node}|{m.Member}|{string.Join(',', m.PeerUrls)}")], [], false);

    /// <summary>The members as <see cref="Start"/> kept them.</summary>
    public IReadOnlyList<HostedMember> HostedMembers() => [.. Members.Select(m => m.Split('|')).Select(p => new HostedMember(p[0], p[1], p[2].Split(',')))];

    /// <summary>The journal in the state dir, or null when there is none.</summary>
    public static async Task<ClusterRestoreJournal?> LoadAsync(string stateDir, CancellationToken cancellationToken)
    {
        var path = Path.Combine(stateDir, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            await using var stream = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync(stream, ClusterRestoreJson.Default.ClusterRestoreJournal, cancellationToken).ConfigureAwait(false)
                ?? throw new PitcrewException($"{path}: empty journal", ExitCodes.Failed);
        }
        catch (JsonException e)
        {
            throw new PitcrewException($"{path}: not a restore journal ({e.Message}); move it aside to start over", ExitCodes.Failed, e);
        }
    }

    public async Task SaveAsync(string stateDir, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(stateDir);
        await using var file = AtomicFile.Create(Path.Combine(stateDir, FileName));
        await JsonSerializer.SerializeAsync(file.Stream, this, ClusterRestoreJson.Default.ClusterRestoreJournal, cancellationToken).ConfigureAwait(false);
        await file.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ClusterRestoreJournal))]
internal sealed partial class ClusterRestoreJson : JsonSerializerContext;
