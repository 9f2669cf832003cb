using Pitcrew.Restore;

namespace Pitcrew.Cli.EtcdCommands;

/// <summary>etcdutl's restore membership flags, shared by snapshot restore and restore plan, and --skip-hash-check.</summary>
internal static class RestoreFlags
{
    public static Option<string> InitialCluster() => new("--initial-cluster")
    {
        Description = "Every member of the restored cluster as name=peerURL, comma-separated",
        DefaultValueFactory = _ => RestoreOptions.DefaultInitialCluster,
    };

    public static Option<string> Token() => new("--initial-cluster-token")
    {
        Description = "The cluster token; the same on every member (the member IDs derive from it)",
        DefaultValueFactory = _ => RestoreOptions.DefaultToken,
    };

    public static Option<long?> BumpRevision() => new("--bump-revision")
    {
        Description = "Add N to the snapshot's revision and mark it compacted, so watchers relist; "
            + $"default {RestorePlanner.KubernetesBump:N0} when the snapshot holds /registry/ keys, else 0; 0 turns it off",
    };

    /// <summary>--skip-hash-check, worded for what the command skips.</summary>
    public static Option<bool> SkipHashCheck(string description = "Accept a file without etcd's SHA-256 trailer (a raw member/snap/db copy)") =>
        CliFlag.Of<bool>("--skip-hash-check", description);

    public static Option<bool> MarkCompacted() => new("--mark-compacted")
    {
        Description = "Mark the bumped revision compacted (always done with a bump; accepted for etcdutl compatibility)",
    };
}
