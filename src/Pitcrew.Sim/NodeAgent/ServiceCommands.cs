using Pitcrew.Sim.Cluster;
using Pitcrew.Sim.Controllers;

namespace Pitcrew.Sim.NodeAgent;

/// <summary>systemctl for the kubelet (and an external etcd), and moving the static-pod manifests out of and back into the manifests directory.</summary>
internal static class ServiceCommands
{
    public const string ManifestDirectory = "/etc/kubernetes/manifests";
    public const string EtcdManifest = ManifestDirectory + "/etcd.yaml";
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

        return await MoveManifestAsync(call, node, source, target, cancellationToken).ConfigureAwait(false)
            ?? call.Fail(1, $"mv: cannot stat '{source}': No such file or directory");
    }

    /// <summary>
    /// mv of kube-apiserver's, kube-controller-manager's or kube-scheduler's manifest: out of the manifests dir the kubelet
    /// stops the static pod (its mirror pod goes), back in it starts it again (a new mirror pod, Pending until it runs);
    /// a kube-apiserver started again reads its serving certificate again. Null when the move is not one of these.
    /// </summary>
    private static async Task<int?> MoveManifestAsync(AgentCall call, System.Text.Json.Nodes.JsonObject node, string source, string target, CancellationToken cancellationToken)
    {
        var store = call.Services.Store;
        if (Component(source) is { } leaving && AgentServices.IsControlPlane(node) && Annotation(node, MovedAnnotation(leaving)) is null)
        {
            await call.MutateNodeAsync(n => Annotate(n, MovedAnnotation(leaving), target), cancellationToken).ConfigureAwait(false);
            await store.DeleteNowAsync(AgentStore.Pods, "kube-system", $"{leaving}-{call.Node}", cancellationToken).ConfigureAwait(false);
            return 0;
        }

        if (Component(target) is not { } returning || Annotation(node, MovedAnnotation(returning)) != source)
        {
            return null;
        }

        var restored = (await call.MutateNodeAsync(n => Annotate(n, MovedAnnotation(returning), null), cancellationToken).ConfigureAwait(false))!;
        var version = await StaticPods.VersionAsync(call, cancellationToken).ConfigureAwait(false);
        foreach (var pod in ControlPlaneLayout.StaticPods(restored, version, [returning], store.EtcdUrlsOf(call.Node)))
        {
            await store.CreateAsync(AgentStore.Pods, pod, "kube-system", call.Now, cancellationToken).ConfigureAwait(false);
        }

        if (returning == "kube-apiserver" && call.Services.Pki is { } pki && pki.Serving.Node == call.Node)
        {
            pki.Serving.Reload();
        }

        return 0;
    }

    /// <summary>The component whose manifest (other than etcd's) the path is, or null.</summary>
    public static string? Component(string path) =>
        Path.GetDirectoryName(path) == ManifestDirectory && Path.GetFileNameWithoutExtension(path) is var name
            && name is "kube-apiserver" or "kube-controller-manager" or "kube-scheduler" && path.EndsWith(".yaml", StringComparison.Ordinal) ? name : null;

    /// <summary>Where a component's manifest was moved to, kept on the node while it is out.</summary>
    private static string MovedAnnotation(string component) => $"sim.pitcrew.dev/{component}-manifest-moved-to";

    private static string? Annotation(System.Text.Json.Nodes.JsonObject node, string key) => (string?)Api.ObjectMeta.Metadata(node)["annotations"]?[key];

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
