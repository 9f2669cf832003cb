using Pitcrew.Cluster;
using Pitcrew.Nodes;
using Pitcrew.Testing.Fakes;
using Pitcrew.Upgrade;
using Pitcrew.Upgrade.Apply;
using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Tests.Upgrade.Apply;

/// <summary>
/// Three stacked control planes over fakes: kubeadm on a control plane restarts its etcd member, which is down for a
/// while and then behind the leader; the runner must upgrade one control plane at a time and start the next only once
/// every member is healthy and caught up again.
/// </summary>
public sealed class ControlPlaneEtcdTests
{
    private const string ControlPlaneLabel = "node-role.kubernetes.io/control-plane";
    private static readonly KubeVersion From = KubeVersion.Parse("v1.31.14");
    private static readonly KubeVersion Target = KubeVersion.Parse("v1.32.13");
    private static readonly string[] Nodes = ["cp-1", "cp-2", "cp-3"];

    private static readonly Runbook Runbook = RunbookLoader.Parse("""
        name: stacked
        packageManager: apt
        roles:
          first-control-plane: [ { name: kubeadm, run: "kubeadm {{version}}", repeatable: true }, { name: drain, action: drain }, { name: kubelet, run: "kubelet {{version}}" }, { name: wait-ready, action: wait-ready }, { name: uncordon, action: uncordon } ]
          control-plane: [ { name: kubeadm, run: "kubeadm {{version}}", repeatable: true }, { name: drain, action: drain }, { name: kubelet, run: "kubelet {{version}}" }, { name: wait-ready, action: wait-ready }, { name: uncordon, action: uncordon } ]
          worker: [ { name: kubelet, run: "kubelet {{version}}" }, { name: wait-ready, action: wait-ready } ]
        """, "stacked.yaml");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ControlPlanes_AreUpgradedOneAtATime_EachWaitingUntilEveryEtcdMemberIsHealthyAndCaughtUp()
    {
        var api = new FakeNodeApi(Nodes.Select(n => new NodeFacts(n, false, true, new Dictionary<string, string> { [ControlPlaneLabel] = string.Empty },
            new Dictionary<string, string>(), new Capacity(4000, 1L << 34, 110)) { KubeletVersion = From.Text }));
        var gates = new FakeGateApi(api, From);
        gates.ControlPlane.AddRange(Nodes.SelectMany(n => HealthGates.UpgradedStaticPods.Select(c => new ControlPlanePod(n, c, $"registry.k8s.io/{c}:{From}"))));
        var etcd = new FakeEtcdMembers(Nodes);
        var running = 0;
        var overlapping = 0;
        var startedUnhealthy = new List<string>();
        var kubeadmOrder = new List<string>();
        var shell = new FakeNodeExecutor().On(string.Empty, (node, command) =>
        {
            if (command.Display.StartsWith("kubeadm ", StringComparison.Ordinal))
            {
                if (Interlocked.Increment(ref running) > 1)
                {
                    Interlocked.Increment(ref overlapping);
                }

                if (!etcd.AllHealthy)
                {
                    startedUnhealthy.Add(node);
                }

                kubeadmOrder.Add(node);
                // kubeadm rewrote the static pods: the member restarts; the API server's version moves with the first.
                lock (gates.ControlPlane)
                {
                    gates.ControlPlane.RemoveAll(p => p.Node == node);
                    gates.ControlPlane.AddRange(HealthGates.UpgradedStaticPods.Select(c => new ControlPlanePod(node, c, $"registry.k8s.io/{c}:{Target}")));
                }

                gates.ApiServer = Target;
                etcd.Restart(node, downReads: 3, behindReads: 3);
                Interlocked.Decrement(ref running);
            }
            else if (command.Display.StartsWith("kubelet ", StringComparison.Ordinal))
            {
                api.UpdateNode(node, n => n with { KubeletVersion = Target.Text });
            }

            return FakeAnswer.Ok;
        });
        var stages = UpgradeScheduler.Build([Target], [.. Nodes.Select(n => new ScheduleNode(n, true, null, false))], new ScheduleOptions(1, 0, 0));
        var options = new ApplyOptions(Runbook, TimeSpan.Zero, null, TimeSpan.FromSeconds(10), new DrainOptions { IgnoreDaemonSets = true }, new HashSet<string>())
        {
            PollInterval = TimeSpan.FromMilliseconds(5),
        };
        var journal = new UpgradeJournal("run-1", From.Text, Target.Text, [Target.Text], "test", null, false, DateTimeOffset.UtcNow, []);
        var lines = new List<string>();

        using var runner = new UpgradeRunner(shell, api, new EtcdGateReader(gates, etcd), TimeProvider.System, new Progress(lines), (_, _) => Task.CompletedTask);
        var outcome = await runner.RunAsync(stages, journal, options, Token).WaitAsync(TimeSpan.FromSeconds(30), Token);

        Assert.True(outcome.End == ApplyEnd.Finished, outcome.Failure?.Reason);
        Assert.Equal(Nodes, kubeadmOrder);
        Assert.Equal(0, overlapping);
        Assert.True(startedUnhealthy.Count == 0, string.Join("\n", lines));
        Assert.True(etcd.AllHealthy);
        Assert.Contains(lines, l => l.Contains("etcd members healthy and caught up", StringComparison.Ordinal));
    }

    private sealed class Progress(List<string> lines) : IUpgradeProgress
    {
        public void Step(string node, string step, StepState state, string detail) => Add($"{node} {step} {state} {detail}");

        public void Output(string node, string line) => Add($"[{node}] {line}");

        public void Line(string text) => Add(text);

        private void Add(string text)
        {
            lock (lines)
            {
                lines.Add(text);
            }
        }
    }
}
