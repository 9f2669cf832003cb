using Pitcrew.Backups.Stores;

namespace Pitcrew.Backups.Retention;

/// <summary>What the command line asked for: a whole policy (any --keep-* flag), a calendar zone alone, or neither.</summary>
public sealed record RetentionRequest(RetentionPolicy? Policy, TimeZoneInfo? TimeZone)
{
    /// <summary>Nothing on the command line: the store's policy applies, else the default.</summary>
    public static RetentionRequest None { get; } = new(null, null);

    /// <summary>A policy given on the command line.</summary>
    public static RetentionRequest Of(RetentionPolicy policy) => new(policy, null);
}

/// <summary>Where the applied policy came from.</summary>
public enum RetentionPolicySource
{
    /// <summary>--keep-* flags (or --time-zone over the stored or default policy).</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("command-line")]
    CommandLine,

    /// <summary>The policy the last prune or run stored in the store.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("store")]
    Store,

    /// <summary>Nothing given and nothing stored: 7 daily, 4 weekly, 12 monthly.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("default")]
    Default,
}

/// <summary>The policy a command applies, where it came from, and that origin in words for the output.</summary>
public sealed record AppliedRetentionPolicy(RetentionPolicy Policy, RetentionPolicySource Source, string From);

/// <summary>
/// The retention policy kept with the store (pitcrew-retention.json, written whole like a manifest) so that list, a
/// later prune and the scheduler agree on what is kept; a policy on the command line wins and is stored when applied.
/// </summary>
internal static class RetentionPolicyStore
{
    public const string ObjectName = "pitcrew-retention.json";

    public static async Task<AppliedRetentionPolicy> ResolveAsync(IBackupStore store, RetentionRequest request, CancellationToken cancellationToken)
    {
        if (request.Policy is { } given)
        {
            return new AppliedRetentionPolicy(given, RetentionPolicySource.CommandLine, "the --keep-* flags");
        }

        var bytes = await store.ReadSmallAsync(ObjectName, cancellationToken).ConfigureAwait(false);
        var stored = bytes is null ? null : StoredRetentionPolicy.Read(bytes, $"{store.Location}/{ObjectName}");
        var applied = stored is null
            ? new AppliedRetentionPolicy(RetentionPolicy.SeedDefault, RetentionPolicySource.Default, $"the default (no policy stored in {store.Location})")
            : new AppliedRetentionPolicy(stored.ToPolicy($"{store.Location}/{ObjectName}"), RetentionPolicySource.Store,
                $"stored in {store.Location}/{ObjectName} by {stored.SavedBy} at {stored.SavedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss'Z'}");
        return request.TimeZone is { } zone
            ? new AppliedRetentionPolicy(applied.Policy with { TimeZone = zone }, RetentionPolicySource.CommandLine, $"{applied.From}, calendar in {zone.Id} from --time-zone")
            : applied;
    }

    /// <summary>Stores the policy a prune applied, unless it is the stored one already.</summary>
    public static async Task SaveAsync(IBackupStore store, AppliedRetentionPolicy applied, string savedBy, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (applied.Source == RetentionPolicySource.Store)
        {
            return;
        }

        var bytes = StoredRetentionPolicy.Serialize(StoredRetentionPolicy.From(applied.Policy, savedBy, at));
        await store.PutSmallAsync(ObjectName, bytes, cancellationToken).ConfigureAwait(false);
    }
}
