using Microsoft.Extensions.Time.Testing;
using Pitcrew.Cluster;
using Pitcrew.Nodes;
using Pitcrew.Testing.Fakes;
using Pitcrew.Upgrade;
using Pitcrew.Upgrade.Apply;
using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Tests.Upgrade.Apply;

/// <summary>UpgradeRunner over fakes: a node shell that upgrades a kubelet, a cluster that reports it, a clock that can be moved.</summary>
public sealed class UpgradeRunnerTests
{
    private const string PlainYaml = """
        name: plain
        packageManager: apt
        roles:
          first-control-plane: [ { name: upgrade, run: "upgrade {{version}}", repeatable: true }, { name: wait-ready, action: wait-ready } ]
          control-plane: [ { name: upgrade, run: "upgrade {{version}}", repeatable: true }, { name: wait-ready, action: wait-ready } ]
          worker:
            - { name: prepare, run: "prepare {{version}}" }
            - { name: upgrade, run: "upgrade {{version}}", repeatable: true }
            - { name: wait-ready, action: wait-ready }
            - { name: uncordon, action: uncordon }
        """;

    private static readonly KubeVersion Target = KubeVersion.Parse("v1.30.14");

    /// <summary>A worker-only runbook without a drain (no pods to move in these tests): upgrade, then wait for Ready.</summary>
    private static readonly Runbook Plain = RunbookLoader.Parse(PlainYaml, "plain.yaml");

    /// <summary>The plain runbook with a drain in place of the prepare step.</summary>
    private static readonly Runbook Drained = RunbookLoader.Parse(
        PlainYaml.Replace("name: plain", "name: drained", StringComparison.Ordinal)
            .Replace("{ name: prepare, run: \"prepare {{version}}\" }", "{ name: drain, action: drain }", StringComparison.Ordinal), "drained.yaml");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AllWorkers_AreUpgradedAndJournaled_InStageOrder()
    {
        var cluster = new FakeCluster("w-1", "w-2", "w-3");
        var (outcome, _) = await RunAsync(cluster, TimeProvider.System, Journal(), Options());

        Assert.Equal(ApplyEnd.Finished, outcome.End);
        Assert.All(cluster.Kubelets.Values, v => Assert.Equal(Target, v));
        Assert.Equal(["w-1", "w-2", "w-3"], cluster.Ran.Where(r => r.Command.StartsWith("upgrade", StringComparison.Ordinal)).Select(r => r.Node));
        Assert.True(outcome.Journal.Finished);
        Assert.All(cluster.Kubelets.Keys, n => Assert.True(outcome.Journal.IsDone(UpgradeRunner.NodeDoneId(Target, n))));
    }

    [Fact]
    public async Task TheWindowClosing_StopsBeforeTheNextStage_AndNamesTheNextOpening()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 1, 0, 0, TimeSpan.Zero)); // a Saturday, 01:00 UTC
        var cluster = new FakeCluster("w-1", "w-2") { OnRun = node => time.SetUtcNow(new DateTimeOffset(2026, 12, 5, 5, 30, 0, TimeSpan.Zero)) };
        var options = Options() with { Window = MaintenanceWindow.Parse("Sat 01:00-05:00 UTC") };

        var (outcome, _) = await RunAsync(cluster, time, Journal(), options);

        Assert.Equal(ApplyEnd.WindowClosed, outcome.End);
        Assert.Equal(new DateTimeOffset(2026, 12, 12, 1, 0, 0, TimeSpan.Zero), outcome.NextWindow);
        Assert.Equal(Target, cluster.Kubelets["w-1"]);
        Assert.Equal(KubeVersion.Parse("v1.29.15"), cluster.Kubelets["w-2"]);
        Assert.DoesNotContain(cluster.Ran, r => r.Node == "w-2");
    }

    [Fact]
    public async Task AStepACrashLeftUnconfirmed_IsNotRunAgainBlindly_UnlessRepeatableOrRedone()
    {
        var cluster = new FakeCluster("w-1");
        var crashed = Journal().With(new JournalEntry(UpgradeRunner.StepId(Target, "w-1", "prepare"), "w-1", StepState.Started, DateTimeOffset.UtcNow));

        var (refused, _) = await RunAsync(cluster, TimeProvider.System, crashed, Options());
        Assert.Equal(ApplyEnd.Failed, refused.End);
        Assert.Contains("--redo prepare", refused.Failure!.Reason, StringComparison.Ordinal);
        Assert.Empty(cluster.Ran);
        Assert.True(cluster.Cordoned["w-1"], "the node is left cordoned");

        var (redone, _) = await RunAsync(cluster, TimeProvider.System, crashed, Options() with { Redo = new HashSet<string>(["prepare"]) });
        Assert.Equal(ApplyEnd.Finished, redone.End);
        Assert.Equal(["prepare v1.30.14", "upgrade v1.30.14"], cluster.Ran.Select(r => r.Command));
        Assert.False(cluster.Cordoned["w-1"], "the node is back in service once it passed its gates");

        // A repeatable step left unconfirmed just runs again.
        var other = new FakeCluster("w-1");
        var (repeated, _) = await RunAsync(other, TimeProvider.System,
            Journal().With(new JournalEntry(UpgradeRunner.StepId(Target, "w-1", "prepare"), "w-1", StepState.Done, DateTimeOffset.UtcNow))
                .With(new JournalEntry(UpgradeRunner.StepId(Target, "w-1", "upgrade"), "w-1", StepState.Started, DateTimeOffset.UtcNow)), Options());
        Assert.Equal(ApplyEnd.Finished, repeated.End);
        Assert.Equal(["upgrade v1.30.14"], other.Ran.Select(r => r.Command));
    }

    [Fact]
    public async Task ACanaryThatFallsOverDuringTheBake_StopsTheRunBeforeTheOtherWorkers()
    {
        var cluster = new FakeCluster("w-1", "w-2");
        var stages = UpgradeScheduler.Build([Target], cluster.Nodes, new ScheduleOptions(1, Canaries: 1, MaxPerZone: 0));
        cluster.AfterRun = (node, command) =>
        {
            if (node == "w-1" && command.StartsWith("upgrade", StringComparison.Ordinal))
            {
                cluster.FallOverAfter = 3; // Ready for the gates, then NotReady while it bakes
            }
        };

        var (outcome, _) = await RunAsync(cluster, TimeProvider.System, Journal(), Options() with { Bake = TimeSpan.FromSeconds(5) }, stages);

        Assert.Equal(ApplyEnd.Failed, outcome.End);
        Assert.Equal("bake", outcome.Failure!.Step);
        Assert.Contains("node/w-1: is not Ready", outcome.Failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(cluster.Ran, r => r.Node == "w-2");
    }

    [Fact]
    public async Task ABlockedDrain_IsDeferredPastTheOtherWorkers_ThenStopsTheRunWhenStillBlocked_AndResumeFinishes()
    {
        var cluster = new FakeCluster("w-1", "w-2", "w-3");
        cluster.Api.PutPod(Nodes.Pods.Managed("solo-1", "ReplicaSet", "solo-5d8f") with { NodeName = "w-2" });
        cluster.Api.Publish(Nodes.Pods.Budget("solo", allowed: 0, healthy: 1, desired: 1, expected: 1));
        var options = Options() with { Runbook = Drained, Drain = new DrainOptions { Timeout = TimeSpan.FromMilliseconds(300) }, RevisitBlocked = true };

        var (outcome, lines) = await RunAsync(cluster, TimeProvider.System, Journal(), options, drains: true);

        Assert.Equal(ApplyEnd.Failed, outcome.End);
        Assert.Equal("drain", outcome.Failure!.Step);
        Assert.Equal("w-2", outcome.Failure.Node);
        Assert.Equal("the drain did not finish", outcome.Failure.Reason);
        const string Blocked = "[w-2] pod shop/solo-1: blocked by PodDisruptionBudget shop/solo: it needs every pod it expects (1) healthy: no eviction until the workload "
            + "grows or the budget is relaxed (needs 1 healthy, has 1, allows 0, workload Deployment shop/solo); will retry";
        Assert.Equal(2, lines.Count(l => l.Trim() == Blocked));
        Assert.Contains(lines, l => l.Trim() == "[w-2] drain was deferred; running it again");
        Assert.Contains("defer v1.30.14: worker w-2 (the drain did not finish); uncordoned, revisited after the other workers", lines);
        Assert.Contains("stage v1.30.14: revisit worker w-2 (its drain was blocked)", lines);
        Assert.Equal(KubeVersion.Parse("v1.29.15"), cluster.Kubelets["w-2"]);
        Assert.True(cluster.Cordoned["w-2"], "the still-blocked node is left cordoned");
        Assert.All(["w-1", "w-3"], n => Assert.Equal((Target, false), (cluster.Kubelets[n], cluster.Cordoned[n])));

        // Both drain failures are journaled, and w-3 was upgraded between them.
        var entries = outcome.Journal.Entries.Select((e, i) => (e, i)).ToList();
        var drains = entries.Where(p => p.e.Step == UpgradeRunner.StepId(Target, "w-2", "drain") && p.e.State == StepState.Failed).ToList();
        Assert.Equal(2, drains.Count);
        Assert.Contains("deferred", drains[0].e.Detail, StringComparison.Ordinal);
        Assert.InRange(entries.Single(p => p.e.Step == UpgradeRunner.NodeDoneId(Target, "w-3")).i, drains[0].i, drains[1].i);
        Assert.Contains("blocked by PodDisruptionBudget shop/solo: it needs every pod it expects (1) healthy: no eviction until the workload grows or the budget "
            + "is relaxed (needs 1 healthy, has 1, allows 0, workload Deployment shop/solo)", outcome.Failure.Output, StringComparison.Ordinal);

        // With the budget gone, the resumed run finishes.
        cluster.Api.DeleteBudget("shop", "solo");
        var (resumed, _) = await RunAsync(cluster, TimeProvider.System, outcome.Journal, options, drains: true);
        Assert.Equal(ApplyEnd.Finished, resumed.End);
        Assert.True(resumed.Journal.Finished);
        Assert.All(cluster.Kubelets.Keys, n => Assert.Equal((Target, false), (cluster.Kubelets[n], cluster.Cordoned[n])));
    }

    private static UpgradeJournal Journal() => new("run-1", "v1.29.15", "v1.30.14", ["v1.30.14"], "test", null, false, DateTimeOffset.UtcNow, []);

    private static ApplyOptions Options() => new(Plain, TimeSpan.Zero, null, TimeSpan.FromSeconds(10), new DrainOptions(), new HashSet<string>())
    {
        PollInterval = TimeSpan.FromMilliseconds(20),
    };

    private static async Task<(ApplyOutcome Outcome, List<string> Lines)> RunAsync(
        FakeCluster cluster, TimeProvider time, UpgradeJournal journal, ApplyOptions options, IReadOnlyList<UpgradeStage>? stages = null, bool drains = false)
    {
        var progress = new Lines();
        using var runner = new UpgradeRunner(cluster.Shell, cluster.Api, cluster.Gates, time, progress, (_, _) => Task.CompletedTask);
        stages ??= UpgradeScheduler.Build([Target], cluster.Nodes, new ScheduleOptions(1, 0, 0));
        var outcome = await runner.RunAsync(stages, journal, options, Token).WaitAsync(TimeSpan.FromSeconds(30), Token);
        Assert.True(drains || !cluster.Api.Calls.Any(c => c.StartsWith("ListPods", StringComparison.Ordinal) || c.StartsWith("Evict", StringComparison.Ordinal)
            || c.StartsWith("Delete", StringComparison.Ordinal)), "without a drain step the runner lists and evicts no pods");
        return (outcome, progress.All);
    }

    private sealed class Lines : IUpgradeProgress
    {
        public List<string> All { get; } = [];

        public void Step(string node, string step, StepState state, string detail) => Add($"{node} {step} {state} {detail}");

        public void Output(string node, string line) => Add($"[{node}] {line}");

        public void Line(string text) => Add(text);

        private void Add(string text)
        {
            lock (All)
            {
                All.Add(text);
            }
        }
    }

    /// <summary>
    /// Workers over the shared fakes: a node shell that understands "upgrade VERSION" (the node's kubelet moves to it) and
    /// anything else as a no-op, the cluster that reports it, and the gates reading that cluster.
    /// </summary>
    private sealed class FakeCluster
    {
        private readonly string[] _workers;
        private int? _fallOverAfter;
        private int _readsBeforeFallOver;

        public FakeCluster(params string[] workers)
        {
            _workers = workers;
            Api = new FakeNodeApi(workers.Select(w => new NodeFacts(w, false, true, new Dictionary<string, string>(), new Dictionary<string, string>(),
                new Capacity(4000, 1L << 34, 110)) { KubeletVersion = "v1.29.15" }));
            Gates = new FakeGateApi(Api, Target)
            {
                BeforeRead = reads =>
                {
                    if (FallOverAfter is { } left && reads - _readsBeforeFallOver > left)
                    {
                        Api.UpdateNode("w-1", n => n with { Ready = false });
                    }
                },
            };
            Shell = new FakeNodeExecutor().On(string.Empty, (node, command) =>
            {
                if (command.Display.StartsWith("upgrade ", StringComparison.Ordinal))
                {
                    Api.UpdateNode(node, n => n with { KubeletVersion = command.Display["upgrade ".Length..] });
                }

                AfterRun?.Invoke(node, command.Display);
                return FakeAnswer.Ok;
            });
        }

        public FakeNodeApi Api { get; }

        public FakeGateApi Gates { get; }

        public FakeNodeExecutor Shell { get; }

        public Dictionary<string, KubeVersion> Kubelets => Api.Nodes.ToDictionary(n => n.Name, n => KubeVersion.Parse(n.KubeletVersion!), StringComparer.Ordinal);

        public Dictionary<string, bool> Cordoned => Api.Nodes.ToDictionary(n => n.Name, n => n.Unschedulable, StringComparer.Ordinal);

        public IReadOnlyList<(string Node, string Command)> Ran => Shell.Ran;

        public Action<string>? OnRun { get => Shell.BeforeRun; init => Shell.BeforeRun = value; }

        public Action<string, string>? AfterRun { get; set; }

        /// <summary>After this many more gate reads, the upgraded w-1 reports NotReady.</summary>
        public int? FallOverAfter
        {
            get => _fallOverAfter;
            set
            {
                _readsBeforeFallOver = Gates.Reads;
                _fallOverAfter = value;
            }
        }

        public IReadOnlyList<ScheduleNode> Nodes => [.. _workers.Select(w => new ScheduleNode(w, false, null, false))];
    }
}
