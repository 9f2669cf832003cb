using System.Globalization;

namespace Pitcrew.Restore;

/// <summary>
/// Plans the seed's restore runbook as steps (pure): copy the snapshot to every node and check its hash there, stop every member (manifest out, wait for etcd to exit), move
/// each data dir aside, restore each member with its planned flags, fix ownership, start every member, wait for
/// health, verify the membership and cluster ID, restart the kube-apiservers, verify counts on every member. Refuses (problems) when the member plan does not check out.
/// </summary>
public static class ClusterRestoreProcedure
{
    public const string DefaultDataDir = "/var/lib/etcd";
    public const string DefaultManifestDir = "/etc/kubernetes/manifests";

    /// <summary>Where the snapshot is copied on every node unless --node-snapshot names a copy already there.</summary>
    public const string UploadDir = "/var/lib/pitcrew/restore";

    /// <summary>The node path an uploaded snapshot gets: its file name under <see cref="UploadDir"/>.</summary>
    public static string UploadPath(string snapshot) => $"{UploadDir}/{Path.GetFileName(snapshot)}";

    /// <summary>The token a restore uses unless told: new for every restore, so the restored cluster gets new IDs and no old member can rejoin it.</summary>
    public static string TokenOf(string stamp) => $"pitcrew-restore-{stamp}";

    /// <summary>Whether a journaled step changed a node's etcd; a journal with none of these may be started over.</summary>
    public static bool Touches(string stepId) => !stepId.StartsWith("upload/", StringComparison.Ordinal) && !stepId.StartsWith("check-snapshot/", StringComparison.Ordinal);

    /// <summary>Where the etcd manifest waits while etcd is stopped: beside the manifests directory, not in it.</summary>
    public static string ParkedManifest(string manifestDir) => Path.Combine(Path.GetDirectoryName(manifestDir.TrimEnd('/')) ?? "/", "etcd.yaml.pitcrew-restore");

    /// <summary>The old data dir's new name.</summary>
    public static string Aside(string dataDir, string stamp) => $"{dataDir.TrimEnd('/')}.before-restore-{stamp}";

    /// <summary>The stamp for a moment: sortable, no characters a shell or a path minds.</summary>
    public static string StampOf(DateTimeOffset now) => now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    public static ClusterRestorePlan Plan(ClusterRestoreInputs inputs)
    {
        var initialCluster = string.Join(',', inputs.Members.SelectMany(m => m.PeerUrls.Select(u => $"{m.Member}={u}")));
        var restore = ClusterRestorePlanner.Plan(inputs.NodeSnapshot, inputs.Facts, initialCluster, inputs.Token, inputs.DataDir, inputs.Bump, inputs.Tool);
        var problems = new List<RestoreProblem>(restore.Problems);
        if (inputs.Members.Count == 0)
        {
            problems.Add(new("members", "no etcd members found", "pass --initial-cluster NODE=https://IP:2380,... naming each control-plane node"));
        }

        foreach (var node in inputs.Members.GroupBy(m => m.Node, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add(new("members", $"node {node.Key} hosts several members ({string.Join(", ", node.Select(m => m.Member))})",
                "a kubeadm control-plane node runs one stacked etcd member"));
        }

        if (!inputs.DataDir.StartsWith('/') || inputs.DataDir.TrimEnd('/').Length <= 1)
        {
            problems.Add(new("data-dir", $"--data-dir {inputs.DataDir} is not an absolute directory below /", "pass the data dir the etcd manifest mounts, e.g. /var/lib/etcd"));
        }

        var steps = problems.Count == 0 ? Steps(inputs, restore) : [];
        return new ClusterRestorePlan(restore, inputs.Members, steps, problems);
    }

    private static List<RestoreStep> Steps(ClusterRestoreInputs inputs, RestorePlanReport restore)
    {
        var manifest = Path.Combine(inputs.ManifestDir, "etcd.yaml");
        var parked = ParkedManifest(inputs.ManifestDir);
        var aside = Aside(inputs.DataDir, inputs.Stamp);
        var steps = new List<RestoreStep>();
        foreach (var m in inputs.Members.Where(_ => inputs.Upload))
        {
            steps.Add(new($"upload/{m.Node}", m.Node, RestoreStepKind.Upload, $"copy the snapshot to {inputs.NodeSnapshot} (0600)", null, inputs.NodeSnapshot));
        }

        foreach (var m in inputs.Members.Where(_ => inputs.Sha256 is not null))
        {
            steps.Add(new($"check-snapshot/{m.Node}", m.Node, RestoreStepKind.CheckSnapshot, $"check the copy's SHA-256 is {inputs.Sha256} (before anything stops)",
                $"sha256sum {Q(inputs.NodeSnapshot)}", inputs.NodeSnapshot, inputs.Sha256));
        }

        foreach (var m in inputs.Members)
        {
            steps.Add(new($"stop-etcd/{m.Node}", m.Node, RestoreStepKind.Run, "move the etcd manifest out of the kubelet's manifests dir",
                $"mv {Q(manifest)} {Q(parked)}"));
            steps.Add(new($"wait-etcd-exit/{m.Node}", m.Node, RestoreStepKind.WaitGone, "wait for etcd to exit",
                "crictl ps --name '^etcd$' --state running -q"));
        }

        foreach (var m in inputs.Members)
        {
            var command = restore.Members.First(c => c.Name == m.Member).Command;
            steps.Add(new($"move-aside/{m.Node}", m.Node, RestoreStepKind.Run, $"move the old data dir aside to {aside} (kept, never deleted)",
                $"mv {Q(inputs.DataDir)} {Q(aside)}"));
            steps.Add(new($"restore/{m.Node}", m.Node, RestoreStepKind.Run, $"restore member {m.Member} into {inputs.DataDir}", command));
            steps.Add(new($"chown/{m.Node}", m.Node, RestoreStepKind.Run, "give the restored dir the old dir's owner",
                $"chown -R --reference={Q(aside)} {Q(inputs.DataDir)}"));
        }

        foreach (var m in inputs.Members)
        {
            steps.Add(new($"start-etcd/{m.Node}", m.Node, RestoreStepKind.Run, "put the etcd manifest back (the kubelet starts etcd)",
                $"mv {Q(parked)} {Q(manifest)}"));
        }

        steps.Add(new("etcd-health", null, RestoreStepKind.EtcdHealth, "wait for every member and the cluster to be healthy", null));
        steps.Add(new("verify-members", null, RestoreStepKind.VerifyMembers,
            $"check etcd lists the {inputs.Members.Count} planned members, all voters, and every member reports cluster ID {restore.ClusterId}", null));
        foreach (var m in inputs.Members)
        {
            steps.Add(new($"restart-apiserver/{m.Node}", m.Node, RestoreStepKind.StopContainers, "restart kube-apiserver (it relists from the restored etcd)",
                "crictl ps --name '^kube-apiserver$' -q"));
        }

        steps.Add(new("verify-counts", null, RestoreStepKind.VerifyCounts, "compare keys per prefix served by every member (serializable reads) with the snapshot", null));
        return steps;
    }

    private static string Q(string word) => Executors.NodeCommand.Quote(word);
}
