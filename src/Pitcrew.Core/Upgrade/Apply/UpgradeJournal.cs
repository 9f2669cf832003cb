using System.Text.Json;
using System.Text.Json.Serialization;
using Pitcrew.Files;

namespace Pitcrew.Upgrade.Apply;

/// <summary>Where a step stands: begun (not confirmed), confirmed done, or failed.</summary>
public enum StepState
{
    Started,
    Done,
    Failed,
}

/// <summary>One line of the journal: a step on a node (or of the run), its state, when, how long, and what it printed when it failed.</summary>
public sealed record JournalEntry(string Step, string? Node, StepState State, DateTimeOffset At, double? Seconds = null, string? Detail = null);

/// <summary>
/// The upgrade's journal: the run, its path and options, the pre-upgrade backup, and every step's state changes in
/// order, and the nodes that were cordoned before it began (left cordoned at the end). Saved atomically after every change in the state dir and mirrored into a ConfigMap in kube-system, so
/// --resume (from this workstation or another) goes on from the first step not confirmed done.
/// </summary>
public sealed record UpgradeJournal(
    string RunId,
    string From,
    string Target,
    IReadOnlyList<string> Path,
    string Options,
    string? Backup,
    bool Finished,
    DateTimeOffset Started,
    IReadOnlyList<JournalEntry> Entries,
    IReadOnlyList<string>? CordonedBefore = null)
{
    public const string FileName = "upgrade-journal.json";

    /// <summary>The ConfigMap in kube-system that mirrors the journal.</summary>
    public const string ConfigMapName = "pitcrew-upgrade-journal";

    public const string ConfigMapKey = "journal.json";

    /// <summary>The last state recorded for a step, or null when it never began.</summary>
    public StepState? StateOf(string step) => Entries.LastOrDefault(e => e.Step == step)?.State;

    public bool IsDone(string step) => StateOf(step) == StepState.Done;

    public UpgradeJournal With(JournalEntry entry) => this with { Entries = [.. Entries, entry] };

    public string ToJson() => JsonSerializer.Serialize(this, UpgradeJournalJson.Default.UpgradeJournal);

    public string ToCompactJson() => JsonSerializer.Serialize(this, UpgradeJournalCompactJson.Default.UpgradeJournal);

    /// <summary>The journal with only each step's last entry, in the order those came: all a resume needs.</summary>
    public UpgradeJournal Compacted()
    {
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Entries.Count; i++)
        {
            last[Entries[i].Step] = i;
        }

        return this with { Entries = [.. Entries.Where((e, i) => last[e.Step] == i)] };
    }

    public static UpgradeJournal FromJson(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize(json, UpgradeJournalJson.Default.UpgradeJournal)
                ?? throw new PitcrewException($"{source}: empty upgrade journal", ExitCodes.Failed);
        }
        catch (JsonException e)
        {
            throw new PitcrewException($"{source}: not an upgrade journal ({e.Message}); move it aside to start over", ExitCodes.Failed, e);
        }
    }

    public static async Task<UpgradeJournal?> LoadAsync(string stateDir, CancellationToken cancellationToken)
    {
        var path = System.IO.Path.Combine(stateDir, FileName);
        return File.Exists(path) ? FromJson(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), path) : null;
    }

    public async Task SaveAsync(string stateDir, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(stateDir);
        await using var file = AtomicFile.Create(System.IO.Path.Combine(stateDir, FileName));
        await JsonSerializer.SerializeAsync(file.Stream, this, UpgradeJournalJson.Default.UpgradeJournal, cancellationToken).ConfigureAwait(false);
        await file.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(UpgradeJournal))]
internal sealed partial class UpgradeJournalJson : JsonSerializerContext;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(UpgradeJournal))]
internal sealed partial class UpgradeJournalCompactJson : JsonSerializerContext;
