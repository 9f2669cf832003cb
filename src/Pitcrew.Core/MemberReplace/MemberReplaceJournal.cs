using System.Text.Json;
using System.Text.Json.Serialization;
using Pitcrew.Files;

namespace Pitcrew.MemberReplace;

/// <summary>
/// The replace's journal: the target as found before anything changed, the stamp of the moved-aside dir, what member add
/// returned, and the steps done, in order. Written atomically after every step, so --resume goes on from the last one
/// done even though the old member is gone from the member list by then.
/// </summary>
/// <param name="NewId">The learner's ID in hex, once added.</param>
/// <param name="InitialCluster">The --initial-cluster member add returned, once added.</param>
public sealed record MemberReplaceJournal(ReplaceTarget Target, string Stamp, string? NewId, string? InitialCluster, IReadOnlyList<string> Done, bool Finished)
{
    public const string FileName = "member-replace.json";

    public bool IsDone(string stepId) => Done.Contains(stepId, StringComparer.Ordinal);

    public MemberReplaceJournal With(string stepId) => this with { Done = [.. Done, stepId] };

    public static MemberReplaceJournal Start(ReplaceTarget target, string stamp) => new(target, stamp, null, null, [], false);

    /// <summary>The journal in the state dir, or null when there is none.</summary>
    public static async Task<MemberReplaceJournal?> LoadAsync(string stateDir, CancellationToken cancellationToken)
    {
        var path = Path.Combine(stateDir, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            await using var stream = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync(stream, MemberReplaceJson.Default.MemberReplaceJournal, cancellationToken).ConfigureAwait(false)
                ?? throw new PitcrewException($"{path}: empty journal", ExitCodes.Failed);
        }
        catch (JsonException e)
        {
            throw new PitcrewException($"{path}: not a member replace journal ({e.Message}); move it aside to start over", ExitCodes.Failed, e);
        }
    }

    public async Task SaveAsync(string stateDir, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(stateDir);
        await using var file = AtomicFile.Create(Path.Combine(stateDir, FileName));
        await JsonSerializer.SerializeAsync(file.Stream, this, MemberReplaceJson.Default.MemberReplaceJournal, cancellationToken).ConfigureAwait(false);
        await file.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(MemberReplaceJournal))]
internal sealed partial class MemberReplaceJson : JsonSerializerContext;
