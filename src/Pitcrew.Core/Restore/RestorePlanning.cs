using Pitcrew.Snapshots;

namespace Pitcrew.Restore;

/// <summary>Reads and verifies the snapshot, then plans the cluster's restore; touches nothing.</summary>
public static class RestorePlanning
{
    public static async Task<RestorePlanReport> PlanAsync(
        string snapshot, string initialCluster, string token, string? dataDir, long? bump, bool skipHashCheck, CancellationToken cancellationToken)
    {
        SnapshotFacts facts;
        try
        {
            var status = await SnapshotReader.VerifyAsync(snapshot, skipHashCheck, cancellationToken).ConfigureAwait(false);
            facts = new SnapshotFacts(status.Revision, status.RegistryKeys.Count > 0, null);
        }
        catch (PitcrewException e) when (e is SnapshotFormatException)
        {
            facts = new SnapshotFacts(0, false, e.Message);
        }

        // The commands run on other nodes, from other directories: name the file as this host sees it, in full.
        return ClusterRestorePlanner.Plan(Path.GetFullPath(snapshot), facts, initialCluster, token, dataDir, bump);
    }
}
