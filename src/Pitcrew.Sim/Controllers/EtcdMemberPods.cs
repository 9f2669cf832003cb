using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.Controllers;

/// <summary>
/// The kubelet's view of each stacked etcd member: the etcd-NODE mirror pod is Ready while its member answers kubeadm's
/// readiness probe (a linearizable read), running but not Ready while the member runs without a quorum, and in
/// CrashLoopBackOff (restart counted) while the member's process is down.
/// </summary>
internal sealed class EtcdMemberPods(SimEtcd etcd, EventRecorder events) : IController
{
    public bool TimeDriven => true;

    public async Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (etcd.Members.Count == 0)
        {
            return;
        }

        var pods = cache.List(Resources.Pods, "kube-system").Where(p => (string?)ObjectMeta.Metadata(p)["labels"]?["component"] == "etcd")
            .ToDictionary(p => (string?)p["spec"]?["nodeName"] ?? string.Empty, StringComparer.Ordinal);
        var nodes = cache.List(Resources.Nodes).ToDictionary(Resources.Name, StringComparer.Ordinal);
        foreach (var member in etcd.Members)
        {
            if (!pods.TryGetValue(member.Node, out var pod) || (string?)pod["status"]?["phase"] != "Running"
                || Resources.Terminating(pod) || !nodes.TryGetValue(member.Node, out var node) || NodeFaults.KubeletDown(NodeFaults.Of(node)))
            {
                continue;
            }

            var state = member.Healthy ? MemberState.Ready : member.Running ? MemberState.Unready : MemberState.Down;
            if (StateOf(pod) == state)
            {
                continue;
            }

            var copy = ClusterCache.Copy(pod);
            Show(copy, state, now);
            if (await writer.UpdateAsync(Resources.Pods, copy, cancellationToken).ConfigureAwait(false) && state != MemberState.Ready)
            {
                var message = state == MemberState.Down
                    ? "Back-off restarting failed container etcd in pod " + Resources.Name(pod)
                    : "Readiness probe failed: HTTP probe failed with statuscode: 503";
                await events.RecordAsync(copy, Resources.Pods, "Warning", state == MemberState.Down ? "BackOff" : "Unhealthy", message, "kubelet", member.Node, now,
                    cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private enum MemberState
    {
        Ready,
        Unready,
        Down,
    }

    private static MemberState StateOf(JsonObject pod)
    {
        var status = pod["status"]?["containerStatuses"]?[0];
        return status?["state"]?["waiting"] is not null ? MemberState.Down
            : (bool?)status?["ready"] == true ? MemberState.Ready
            : MemberState.Unready;
    }

    private static void Show(JsonObject pod, MemberState state, DateTimeOffset now)
    {
        var stamp = ObjectMeta.Timestamp(now);
        var ready = state == MemberState.Ready;
        if (pod["status"]?["containerStatuses"]?[0] is JsonObject container)
        {
            var restarts = (long?)container["restartCount"] ?? 0;
            container["ready"] = ready;
            container["started"] = state != MemberState.Down;
            if (state == MemberState.Down)
            {
                container["restartCount"] = restarts + 1;
                container["lastState"] = new JsonObject
                {
                    ["terminated"] = new JsonObject { ["exitCode"] = 137, ["reason"] = "Error", ["finishedAt"] = stamp },
                };
                container["state"] = new JsonObject
                {
                    ["waiting"] = new JsonObject
                    {
                        ["reason"] = "CrashLoopBackOff",
                        ["message"] = $"back-off 10s restarting failed container=etcd pod={Resources.Name(pod)}",
                    },
                };
            }
            else if (container["state"]?["running"] is null)
            {
                container["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = stamp } };
            }
        }

        foreach (var condition in (pod["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            if ((string?)condition["type"] is "Ready" or "ContainersReady")
            {
                condition["status"] = ready ? "True" : "False";
                condition["lastTransitionTime"] = stamp;
                if (ready)
                {
                    condition.Remove("reason");
                    condition.Remove("message");
                }
                else
                {
                    condition["reason"] = "ContainersNotReady";
                    condition["message"] = "containers with unready status: [etcd]";
                }
            }
        }
    }
}
