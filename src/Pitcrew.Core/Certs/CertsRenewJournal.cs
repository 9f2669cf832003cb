using System.Text.Json;
using System.Text.Json.Serialization;
using Pitcrew.Files;

namespace Pitcrew.Certs;

/// <summary>
/// The renewal's journal: the stamp of the copies kept aside, the certificates and nodes, the steps done in order.
/// Written atomically after every step, so --resume goes on from the last one done.
/// </summary>
public sealed record CertsRenewJournal(string Stamp, IReadOnlyList<string> Names, IReadOnlyList<string> Nodes, IReadOnlyList<string> Done, bool Finished)
{
    public const string FileName = "certs-renew.json";

    public bool IsDone(string stepId) => Done.Contains(stepId, StringComparer.Ordinal);

    public CertsRenewJournal With(string stepId) => this with { Done = [.. Done, stepId] };

    public static string PathIn(string stateDir) => Path.Combine(stateDir, FileName);

    /// <summary>The journal in the state dir, or null when there is none.</summary>
    public static async Task<CertsRenewJournal?> LoadAsync(string stateDir, CancellationToken cancellationToken)
    {
        var path = PathIn(stateDir);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            await using var stream = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync(stream, CertsRenewJson.Default.CertsRenewJournal, cancellationToken).ConfigureAwait(false)
                ?? throw new PitcrewException($"{path}: empty journal", ExitCodes.Failed);
        }
        catch (JsonException e)
        {
            throw new PitcrewException($"{path}: not a certs renew journal ({e.Message}); move it aside to start over", ExitCodes.Failed, e);
        }
    }

    public async Task SaveAsync(string stateDir, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(stateDir);
        await using var file = AtomicFile.Create(PathIn(stateDir));
        await JsonSerializer.SerializeAsync(file.Stream, this, CertsRenewJson.Default.CertsRenewJournal, cancellationToken).ConfigureAwait(false);
        await file.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CertsRenewJournal))]
internal sealed partial class CertsRenewJson : JsonSerializerContext;
