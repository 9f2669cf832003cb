using Pitcrew.Backups;
using Pitcrew.Backups.Changes;
using Pitcrew.Backups.Retention;
using Pitcrew.Cli.BackupCommands;
using Pitcrew.Cli.DoctorCommands;
using Pitcrew.Cli.EtcdCommands;
using Pitcrew.Cli.NodeCommands;
using Pitcrew.Cli.UpgradeCommands;
using Pitcrew.Cluster;
using Pitcrew.Doctor;
using Pitcrew.Nodes;
using Pitcrew.Snapshots;
using Pitcrew.Upgrade;
using Pitcrew.Upgrade.Preflight;
using Pitcrew.Upgrade.Releases;
using Pitcrew.Upgrade.Runbooks;
using Spectre.Console;

namespace Pitcrew.Cli.Tests.Golden;

/// <summary>
/// What operators read, exactly: each report rendered from fixed inputs through the command's own renderer, on the
/// console the command line makes for a pipe, at a fixed width. docs/golden.md says how to update them.
/// </summary>
public sealed class GoldenTests
{
    private static readonly DateTimeOffset Now = new(2025, 9, 1, 9, 30, 0, TimeSpan.Zero);

    private static readonly ReleaseTable Releases = ReleaseTable.Parse("""
        asOf: 2025-08-30
        minors:
          - { minor: v1.29, latest: v1.29.15, released: 2023-12-13, endOfLife: 2025-02-28, etcd: 3.5.15-0, coredns: v1.11.1 }
          - { minor: v1.30, latest: v1.30.14, released: 2024-04-17, endOfLife: 2025-06-28, etcd: 3.5.15-0, coredns: v1.11.3 }
          - { minor: v1.31, latest: v1.31.12, released: 2024-08-13, endOfLife: 2025-10-28, etcd: 3.5.15-0, coredns: v1.11.3 }
          - { minor: v1.32, latest: v1.32.8, released: 2024-12-11, endOfLife: 2026-02-28, etcd: 3.5.16-0, coredns: v1.11.3 }
        """, "golden-releases.yaml");

    [Fact]
    public void UpgradePlan() =>
        GoldenFile.Check("upgrade-plan.txt", Text(UpgradePlanRenderer.Lines(Plan("v1.32"), force: false, verbose: false)));

    [Fact]
    public void UpgradePlan_Verbose() =>
        GoldenFile.Check("upgrade-plan-verbose.txt", Text(UpgradePlanRenderer.Lines(Plan("v1.31"), force: false, verbose: true)));

    [Theory]
    [InlineData(120)]
    [InlineData(80)]
    public void Preflight(int width)
    {
        var health = new ClusterHealth(
            [
                new NodeHealth("cp-1", true, "True", []), new NodeHealth("cp-2", true, "True", []), new NodeHealth("cp-3", true, "True", []),
                new NodeHealth("w-1", false, "True", []), new NodeHealth("w-2", false, "True", ["DiskPressure"]), new NodeHealth("w-3", false, "True", []),
            ],
            [.. new[] { "cp-1", "cp-2", "cp-3" }.SelectMany(node => new[] { "kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd" }
                .Select(component => new ControlPlanePodHealth(component, node, "Running", true, null)))],
            ["shop/web-7d9f8-xk2p4"],
            []);
        var drain = new DrainForecastResult([],
        [
            new Blocker(BlockerSeverity.Blocks, "node/w-1: poddisruptionbudget/shop/db", "allows no disruption now (needs 3 healthy, has 3)",
                "scale the workload up, relax the budget, or wait for its pods to be ready"),
            new Blocker(BlockerSeverity.Slows, "shop/cache", "a single replica: unavailable while it moves", "run two replicas"),
        ]);
        var report = PreflightChecker.Check(Plan("v1.31"), health, drain, RemovedApis.Default, force: false);

        GoldenFile.Check($"preflight-{width}.txt", Text(PreflightCommand.Lines(report, width)));
    }

    [Fact]
    public void DrainPlan()
    {
        var node = Node("w-1");
        var pods = new[]
        {
            Pod("web-7d9f8-xk2p4", new Controller("apps/v1", "ReplicaSet", "web-7d9f8"), new() { ["app"] = "web" }),
            Pod("db-0", new Controller("apps/v1", "StatefulSet", "db"), new() { ["app"] = "db" }),
            Pod("cache-5c4d7-q8r2m", new Controller("apps/v1", "ReplicaSet", "cache-5c4d7"), new() { ["app"] = "cache" }) with { HasEmptyDir = true },
            Pod("kube-proxy-8fj2k", new Controller("apps/v1", "DaemonSet", "kube-proxy"), new() { ["k8s-app"] = "kube-proxy" }) with { Namespace = "kube-system" },
            Pod("debug", null, new()),
            Pod("report-29311440-7xk2c", new Controller("batch/v1", "Job", "report-29311440"), new()) with { Phase = "Succeeded" },
        };
        var budget = new BudgetFacts("shop", "db", new LabelSelectorFacts(new Dictionary<string, string> { ["app"] = "db" }, []), 0, 3, 3, 3, 1, 1, false);
        var options = new DrainOptions { IgnoreDaemonSets = true, DeleteEmptyDirData = true };
        var plan = DrainPlanner.Plan(node, pods, new HashSet<string>(StringComparer.Ordinal) { "kube-system/kube-proxy" }, options, Now);
        var forecast = DrainForecast.Predict([plan], [budget], [node, Node("w-2"), Node("w-3")], pods, options);

        using var output = new StringWriter { NewLine = "\n" };
        DrainPlanRenderer.Render(output, forecast);
        GoldenFile.Check("drain-plan.txt", output.ToString());
    }

    [Fact]
    public void DoctorTable() => GoldenFile.Check("doctor-table.txt", Render(console => TableReport.Render(console, Doctor())));

    [Fact]
    public void DoctorMarkdown() => GoldenFile.Check("doctor.md", MarkdownReport.Render(Doctor()));

    [Fact]
    public void BackupList()
    {
        var entries = new[]
        {
            Entry("etcd-20250829-020000", Now.AddDays(-3).AddHours(-7.5), 81_204, [], BackupObjectState.Present),
            Entry("etcd-20250830-020000", Now.AddDays(-2).AddHours(-7.5), 92_311, [], BackupObjectState.Present),
            Entry("pre-upgrade-v1.31.12", Now.AddDays(-1).AddHours(-3), 97_002, [RetentionPolicy.PreUpgradeTag], BackupObjectState.Present),
            Entry("etcd-20250831-020000", Now.AddDays(-1).AddHours(-7.5), 97_544, [], BackupObjectState.WrongSize),
            Entry("etcd-20250901-020000", Now.AddHours(-7.5), 103_870, ["nightly"], BackupObjectState.Present),
        };
        var policy = RetentionPolicy.SeedDefault with { KeepDaily = 2 };
        var decisions = BackupPruner.Plan(entries, policy, [], now: null).ToDictionary(d => d.Name, StringComparer.Ordinal);
        var listing = new BackupListing("s3://backups/etcd", false, policy.ToString(), RetentionPolicySource.CommandLine, "the --keep-* flags",
            [.. entries.Select(e => BackupListItem.From(e, decisions[e.Manifest.Name], null))], []);

        GoldenFile.Check("backup-list.txt", Render(console => BackupRenderer.List(console, listing)));
    }

    [Fact]
    public void BackupListWithTheChangeStream()
    {
        var entries = new[]
        {
            Entry("etcd-20250831-020000", Now.AddDays(-1).AddHours(-7.5), 97_544, [], BackupObjectState.Present),
            Entry("etcd-20250901-020000", Now.AddHours(-7.5), 103_870, [], BackupObjectState.Present),
        };
        SegmentManifest Segment(string baseName, long first, long last, DateTimeOffset at) => new(1, baseName, first, last, at, at.AddMinutes(5), last - first + 3,
            4096, new string('c', 64), new BackupObjectInfo("k", 900, new string('d', 64), "zstd", null), at.AddMinutes(5));
        var ranges = new[]
        {
            new CoveredRange(entries[0].Manifest, [Segment(entries[0].Manifest.Name, 97_545, 99_000, Now.AddDays(-1).AddHours(-7)), Segment(entries[0].Manifest.Name, 99_001, 101_210, Now.AddDays(-1).AddHours(-6))]),
            new CoveredRange(entries[1].Manifest, [Segment(entries[1].Manifest.Name, 103_871, 109_442, Now.AddHours(-1))]),
        };
        var policy = RetentionPolicy.SeedDefault;
        var decisions = BackupPruner.Plan(entries, policy, [], now: null).ToDictionary(d => d.Name, StringComparer.Ordinal);
        var listing = new BackupListing("file:///var/backups/etcd", false, policy.ToString(), RetentionPolicySource.Default, "the default",
            [.. entries.Select((e, i) => BackupListItem.From(e, decisions[e.Manifest.Name], ranges[i]))],
            [.. PointInTime.Gaps(ranges).Select(g => new StreamGap(g.From, g.To, g.After.Base.Name))]);

        GoldenFile.Check("backup-list-stream.txt", Render(console => BackupRenderer.List(console, listing)));
    }

    [Fact]
    public void SnapshotStatus()
    {
        var status = new SnapshotStatus(0x5e1f3a27, 103_870, 4_211, 9_453_568, "3.4.0", 4_211, 1_187, "all keys", 3_966, 98_002, 98_002, 104_112, 4,
            "3.4.0", 3, new TrailerCheck(true, true, true, "9c1185a5c5e9fc54612808977ee8f548b2258d31b3fd4f2fe6ce8da9b1e3b8c2"), 9_453_600, 4096, 2_308,
            new Dictionary<string, long>(StringComparer.Ordinal) { ["pods"] = 412, ["events"] = 305, ["configmaps"] = 61, ["secrets"] = 44, ["nodes"] = 6 });

        GoldenFile.Check("snapshot-status.txt", Render(console => SnapshotRenderer.Status(console, status)));
    }

    private static UpgradePlan Plan(string to)
    {
        var current = KubeVersion.Parse("v1.30.4");
        var nodes = new[] { "cp-1", "cp-2", "cp-3" }.Select(n => new NodeVersion(n, true, current))
            .Concat(new[] { "w-1", "w-2", "w-3" }.Select(n => new NodeVersion(n, false, current))).ToList();
        var pods = nodes.Where(n => n.ControlPlane).SelectMany(n => new[]
        {
            new ControlPlanePod(n.Name, "kube-apiserver", "registry.k8s.io/kube-apiserver:v1.30.4"),
            new ControlPlanePod(n.Name, "kube-controller-manager", "registry.k8s.io/kube-controller-manager:v1.30.4"),
            new ControlPlanePod(n.Name, "kube-scheduler", "registry.k8s.io/kube-scheduler:v1.30.4"),
            new ControlPlanePod(n.Name, "etcd", "registry.k8s.io/etcd:3.5.15-0"),
        }).ToList();
        var cluster = new ClusterVersions(current, current, nodes, pods, "registry.k8s.io/kube-proxy:v1.30.4", "registry.k8s.io/coredns/coredns:v1.11.3",
            KubeVersion.Parse("v1.30.2"));
        return UpgradePlanner.Plan(cluster, Releases, RunbookLoader.Builtin("apt"), new UpgradeRequest(to), DateOnly.FromDateTime(Now.UtcDateTime));
    }

    private static DoctorReport Doctor()
    {
        var heartbeat = Now.AddMinutes(-9);
        var nodes = new[]
        {
            Node("cp-1"),
            Node("w-1") with
            {
                Ready = false,
                Conditions = [new ConditionFacts("Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", heartbeat, heartbeat)],
            },
            Node("w-2") with
            {
                Conditions =
                [
                    new ConditionFacts("Ready", "True", "KubeletReady", "kubelet is posting ready status", Now.AddSeconds(-20), Now.AddDays(-40)),
                    new ConditionFacts("DiskPressure", "True", "KubeletHasDiskPressure", "kubelet has disk pressure", Now.AddSeconds(-20), Now.AddMinutes(-30)),
                ],
            },
        };
        var crashing = Pod("api-6b7c9-m2x8z", new Controller("apps/v1", "ReplicaSet", "api-6b7c9"), new() { ["app"] = "api" }) with
        {
            NodeName = "w-2",
            Ready = false,
            Containers = [new ContainerFacts("api", 14, "CrashLoopBackOff", "back-off 5m0s restarting failed container=api", null, null, "Error", 1, Now.AddMinutes(-4))],
            Created = Now.AddHours(-2),
        };
        var pending = Pod("worker-0", new Controller("apps/v1", "StatefulSet", "worker"), new() { ["app"] = "worker" }) with
        {
            NodeName = null,
            Phase = "Pending",
            Ready = false,
            ScheduledReason = "Unschedulable",
            ScheduledMessage = "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient memory.",
            RequestMemory = 64L << 30,
            Created = Now.AddMinutes(-25),
        };
        var facts = new ClusterFacts(nodes, nodes.ToDictionary(n => n.Name, n => (DateTimeOffset?)(n.Ready ? Now.AddSeconds(-5) : heartbeat)),
            [crashing, pending], [], null, "v1.31.12");
        var probes = new Dictionary<string, ProbeResult>(StringComparer.Ordinal);
        var findings = NodeChecks.Check(facts, probes, Now).Concat(PodChecks.Check(facts, _ => true, Now));
        return new DoctorReport(DoctorReport.CurrentSchemaVersion, "cluster", Now, "v1.31.12", DoctorReport.Order(findings),
            ["metrics.k8s.io is not served: node usage not checked"]);
    }

    private static BackupEntry Entry(string name, DateTimeOffset created, long revision, IReadOnlyList<string> tags, BackupObjectState state)
    {
        const long Size = 9_453_600;
        var stored = new BackupObjectInfo($"etcd/{name}.db.zst", 2_118_437, new string('a', 64), "zstd", null);
        var manifest = new BackupManifest(1, name, created, created.AddSeconds(3), "0.9.0",
            new BackupSource("https://10.0.0.11:2379", "3.5.15", "cdf818194e3a8c32", "8e9e05c52164694d"),
            new BackupSnapshotInfo(revision, revision - 5_000, Size, new string('b', 64), 4_211, "3.5.0", new Dictionary<string, long>()),
            stored, tags, Verified: true);
        var check = state == BackupObjectState.Present ? new BackupObjectCheck(state, stored.Size, stored.Size) : new BackupObjectCheck(state, 524_288, stored.Size);
        return new BackupEntry(manifest, check);
    }

    private static NodeFacts Node(string name) =>
        new(name, false, true, new Dictionary<string, string>(), new Dictionary<string, string>(), new Capacity(4000, 16L << 30, 110))
        {
            Conditions = [new ConditionFacts("Ready", "True", "KubeletReady", "kubelet is posting ready status", Now.AddSeconds(-20), Now.AddDays(-40))],
            InternalIp = "10.0.0." + (name.Length + name[^1]),
            KubeletVersion = "v1.31.12",
        };

    private static PodFacts Pod(string name, Controller? controller, Dictionary<string, string> labels) =>
        new("shop", name, "uid-" + name, "w-1", "Running", controller, false, false, null, labels, 0, true, new Capacity(100, 128L << 20, 1));

    private static string Text(IEnumerable<string> lines) => string.Join('\n', lines) + "\n";

    /// <summary>What a command writes to a pipe: the command line's own console, no colour, at 120 columns.</summary>
    private static string Render(Action<IAnsiConsole> render)
    {
        using var writer = new StringWriter { NewLine = "\n" };
        var console = CliContext.Create(writer, redirected: true, noColor: true);
        console.Profile.Width = 120;
        render(console);
        return writer.ToString();
    }
}
