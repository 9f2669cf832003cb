namespace Pitcrew.Restore;

/// <summary>Plans a whole cluster's restore from one snapshot: pure, from the flags and facts read beforehand.</summary>
public static class ClusterRestorePlanner
{
    /// <param name="dataDir">The data dir each node restores into; null is kubeadm's /var/lib/etcd (never etcdutl's NAME.etcd, relative to wherever it is run).</param>
    /// <param name="bump">The requested bump; null picks the Kubernetes-safe default.</param>
    /// <param name="tool">The restore command each node runs.</param>
    public static RestorePlanReport Plan(string snapshot, SnapshotFacts facts, string initialCluster, string token, string? dataDir, long? bump, RestoreTool tool = RestoreTool.Pitcrew)
    {
        var cluster = RestorePlanner.PlanCluster(initialCluster, token);
        var problems = new List<RestoreProblem>(cluster.Problems);
        if (facts.Problem is not null)
        {
            problems.Add(new("snapshot", facts.Problem, "take a new snapshot, or restore an older backup that verifies"));
        }

        if (bump is < 0)
        {
            problems.Add(new("bump-revision", $"--bump-revision {bump} is negative", "pass 0 to turn the bump off, or a positive count"));
        }

        var effectiveBump = RestorePlanner.EffectiveBump(bump, facts.KubernetesKeys);
        if (tool == RestoreTool.Etcdctl && effectiveBump > 0)
        {
            problems.Add(new("restore-tool", $"etcdctl snapshot restore cannot bump the revision by {effectiveBump} (only etcdutl 3.5.10+ and pitcrew can)",
                "pass --bump-revision 0 (every client then has to relist: restart the apiservers and controllers), or --restore-tool pitcrew"));
        }

        // Members in the order the operator gave them (the nodes' order), not the ID order the cluster ID is computed in.
        var given = NamesInOrder(initialCluster);
        var members = cluster.Members
            .OrderBy(m => given.IndexOf(m.Name))
            .Select(m => new MemberCommand(m.Name, m.PeerUrls, m.IdHex, Command(tool, snapshot, m, initialCluster, token, dataDir ?? ClusterRestoreProcedure.DefaultDataDir, effectiveBump)))
            .ToList();
        return new RestorePlanReport(snapshot, facts.Revision, facts.KubernetesKeys, effectiveBump, facts.Revision + effectiveBump,
            token, cluster.ClusterIdHex, members, problems);
    }

    /// <summary>The member names of an --initial-cluster value, each once, in the order written.</summary>
    private static List<string> NamesInOrder(string initialCluster) =>
        [.. initialCluster.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(pair => pair.Split('=', 2)[0]).Distinct(StringComparer.Ordinal)];

    private static string Command(RestoreTool tool, string snapshot, PlannedMember member, string initialCluster, string token, string dataDir, long bump)
    {
        List<string> args = tool == RestoreTool.Etcdctl
            ? ["etcdctl", "snapshot", "restore", snapshot, "--data-dir", dataDir]
            : ["pitcrew", "etcd", "snapshot", "restore", snapshot, "--data-dir", dataDir];
        args.AddRange([
            "--name", member.Name,
            "--initial-cluster", initialCluster,
            "--initial-cluster-token", token,
            "--initial-advertise-peer-urls", string.Join(',', member.PeerUrls),
        ]);
        if (tool == RestoreTool.Pitcrew)
        {
            args.AddRange(["--bump-revision", bump.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        if (bump > 0)
        {
            args.Add("--mark-compacted");
        }

        return string.Join(' ', args.Select(Executors.NodeCommand.Quote));
    }
}
