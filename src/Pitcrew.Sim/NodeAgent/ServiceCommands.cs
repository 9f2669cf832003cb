using Pitcrew.Sim.Cluster;
using Pitcrew.Sim.Controllers;

namespace Pitcrew.Sim.NodeAgent;

/// <summary>systemctl for the kubelet (and an external etcd), and moving the etcd static-pod manifest out of and back into the manifests directory.</summary>
internal static class ServiceCommands
{
    public const string EtcdManifest = "/etc/kubernetes/manifests/etcd.yaml";
    private const string EtcdStoppedAnnotation = "sim.pitcrew.dev/etcd-service-stopped";

    public static async Task<int> SystemctlAsync(AgentCall call, CancellationToken cancellationToken)
    {
        var operands = call.Operands(1);
        var verb = operands.Count > 0 ? operands[0] : string.Empty;
        var unit = (operands.Count > 1 ? operands[1] : string.Empty).Replace(".service", string.Empty, StringComparison.Ordinal);
        var restart = call.Services.Timings.EffectiveKubeletRestart;
        switch (verb, unit)
        {
            case ("daemon-reload", _):
                return 0;
            case ("restart" or "start", "kubelet"):
                await call.MutateNodeAsync(node =>
                {
                    var faults = NodeFaults.Apply(NodeFaults.Of(node), "kubelet-start");
                    SetFaults(node, faults);
                    ControlPlaneLayout.RestartKubelet(node, call.Now + restart, call.Now);
                    return true;
                }, cancellationToken).ConfigureAwait(false);
                return 0;
            case ("stop", "kubelet"):
                await call.MutateNodeAsync(node => { SetFaults(node, NodeFaults.Apply(NodeFaults.Of(node), NodeFaults.KubeletStop)); return true; }, cancellationToken)
                    .ConfigureAwait(false);
                return 0;
            case ("is-active", "kubelet"):
                var down = NodeFaults.KubeletDown(NodeFaults.Of((await call.GetNodeAsync(cancellationToken).ConfigureAwait(false))!));
                call.Out(down ? "inactive" : "active");
                return down ? 3 : 0;
            case ("stop" or "start" or "restart", "etcd"):
                await call.MutateNodeAsync(node => Annotate(node, EtcdStoppedAnnotation, verb == "stop" ? "true" : null), cancellationToken).ConfigureAwait(false);
                return 0;
            case ("stop" or "start" or "restart" or "is-active", _):
                return call.Fail(5, $"Failed to {verb} {unit}.service: Unit {unit}.service not found.");
            default:
                return call.Fail(1, $"Unknown command verb '{verb}'.");
        }
    }

    /// <summary>mv's SOURCE and TARGET (a TARGET ending in / is the directory to move into), or null unless there are two.</summary>
    public static (string Source, string Target)? MoveOperands(AgentCall call)
    {
        var operands = call.Operands(1);
        if (operands.Count != 2)
        {
            return null;
        }

        var (source, target) = (operands[0], operands[1]);
        return (source, target.EndsWith('/') ? target + Path.GetFileName(source) : target);
    }

    /// <summary>mv of the etcd manifest: out of the manifests directory the kubelet stops etcd's static pod, back in it starts it again.</summary>
    public static async Task<int> MoveAsync(AgentCall call, CancellationToken cancellationToken)
    {
        if (MoveOperands(call) is not { } operands)
        {
            return call.Fail(1, "mv: missing destination file operand");
        }

        var (source, target) = operands;

        var node = (await call.GetNodeAsync(cancellationToken).ConfigureAwait(false))!;
        var movedTo = (string?)Api.ObjectMeta.Metadata(node)["annotations"]?[ControlPlaneLayout.EtcdManifestAnnotation];
        var store = call.Services.Store;
        if (source == EtcdManifest && AgentServices.IsControlPlane(node) && movedTo is null)
        {
            await call.MutateNodeAsync(n => Annotate(n, ControlPlaneLayout.EtcdManifestAnnotation, target), cancellationToken).ConfigureAwait(false);
            await store.DeleteNowAsync(AgentStore.Pods, "kube-system", $"etcd-{call.Node}", cancellationToken).ConfigureAwait(false);
            return 0;
        }

        if (target == EtcdManifest && movedTo == source)
        {
            var restored = await call.MutateNodeAsync(n => Annotate(n, ControlPlaneLayout.EtcdManifestAnnotation, null), cancellationToken).ConfigureAwait(false);
            var version = await StaticPods.VersionAsync(call, cancellationToken).ConfigureAwait(false);
            await StaticPods.WriteAsync(call, restored!, version, ["etcd"], cancellationToken).ConfigureAwait(false);
            return 0;
        }

        return call.Fail(1, $"mv: cannot stat '{source}': No such file or directory");
    }

    private static void SetFaults(System.Text.Json.Nodes.JsonObject node, string faults) =>
        Annotate(node, NodeFaults.Annotation, faults.Length == 0 ? null : faults);

    private static bool Annotate(System.Text.Json.Nodes.JsonObject node, string key, string? value)
    {
        var metadata = Api.ObjectMeta.Metadata(node);
        var annotations = metadata["annotations"] as System.Text.Json.Nodes.JsonObject ?? [];
        if (value is null)
        {
            annotations.Remove(key);
        }
        else
        {
            annotations[key] = value;
        }

        metadata["annotations"] = annotations;
        return true;
    }
}
