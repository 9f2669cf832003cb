namespace Pitcrew.Sim.Controllers;

/// <summary>
/// The kubelets of every node: renew node Leases, report node conditions (and the pressure faults injected), start pods
/// bound to them (Pending, then Running and Ready after a delay), let pods with a run time succeed (<see cref="PodCompletion"/>)
/// and finish graceful deletions (containers stopped, then DELETE with grace 0), as kwok does. A node whose kubelet is stopped or cut off does none of it.
/// </summary>
internal sealed class SimKubelet(SimTimings timings, EventRecorder events) : IController
{
    private const string LeaseNamespace = "kube-node-lease";
    private const string KillingAnnotation = "sim.pitcrew.dev/killing";

    /// <summary>A pod whose first container misbehaves: CrashLoopBackOff, ImagePullBackOff or OOMKilled (docs/scenarios.md).</summary>
    public const string ContainerStateAnnotation = "sim.pitcrew.dev/container-state";

    /// <summary>A pod's shutdown time in seconds (default: the sim's stop delay, 1 s).</summary>
    public const string StopSecondsAnnotation = "sim.pitcrew.dev/stop-seconds";
    private static readonly ApiResource Leases = ResourceCatalog.Find("coordination.k8s.io", "v1", "leases")!;

    /// <summary>Node name -> the resourceVersion last found to say what the kubelet would say (no need to look again).</summary>
    private readonly Dictionary<string, string?> _inSync = new(StringComparer.Ordinal);
    private HashSet<JsonObject> _settled = new(ReferenceEqualityComparer.Instance);

    public bool TimeDriven => true;

    public async Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nodes = cache.List(Resources.Nodes).Where(n => !NodeFaults.KubeletDown(NodeFaults.Of(n))).ToDictionary(Resources.Name, StringComparer.Ordinal);
        var leases = cache.List(Leases, LeaseNamespace).ToDictionary(Resources.Name, StringComparer.Ordinal);
        var writes = new List<Task>();
        foreach (var node in nodes.Values)
        {
            if (RenewLease(node, leases.GetValueOrDefault(Resources.Name(node)), writer, now, cancellationToken) is { } renewal)
            {
                writes.Add(renewal);
            }

            var version = (string?)ObjectMeta.Metadata(node)["resourceVersion"];
            var starting = ObjectMeta.Metadata(node)["annotations"]?[Cluster.ControlPlaneLayout.RestartAnnotation] is not null;
            if (!starting && _inSync.TryGetValue(Resources.Name(node), out var seen) && seen == version)
            {
                continue;
            }

            var copy = ClusterCache.Copy(node);
            if (ReportConditions(copy, NodeFaults.Of(copy), now))
            {
                writes.Add(writer.UpdateAsync(Resources.Nodes, copy, cancellationToken));
                _inSync.Remove(Resources.Name(node));
            }
            else
            {
                _inSync[Resources.Name(node)] = version;
            }
        }

        // A running pod with nothing timed ahead of it (no stop, no run time) needs nothing until it changes, and a changed
        // pod is a new object in the cache: at 150,000 pods, looking at each again every round was most of the sim's idle CPU.
        var settled = new HashSet<JsonObject>(ReferenceEqualityComparer.Instance);
        foreach (var pod in cache.List(Resources.Pods))
        {
            if (_settled.Contains(pod))
            {
                settled.Add(pod);
                continue;
            }

            var nodeName = (string?)pod["spec"]?["nodeName"];
            if (nodeName is null || !nodes.TryGetValue(nodeName, out var node))
            {
                continue;
            }

            var metadata = ObjectMeta.Metadata(pod);
            if (Resources.Terminating(pod))
            {
                // Timed from when the kubelet saw the deletion, to the microsecond: deletionTimestamp has whole seconds, and a
                // pod gone (and a StatefulSet's replacement back) before kubectl delete starts watching leaves kubectl waiting.
                var grace = TimeSpan.FromSeconds((long?)metadata["deletionGracePeriodSeconds"] ?? 0);
                var killing = Resources.Time(metadata["annotations"]?[KillingAnnotation]);
                if (killing is null)
                {
                    writes.Add(MarkKillingAsync(ClusterCache.Copy(pod), nodeName, writer, now, cancellationToken));
                }
                else if (now >= killing + StopTime(metadata, grace))
                {
                    writes.Add(writer.DeleteAsync(Resources.Pods, pod, 0, cancellationToken));
                }

                continue;
            }

            var phase = (string?)pod["status"]?["phase"];
            var created = Resources.Time(metadata["creationTimestamp"]) ?? now;
            if (phase is null or "Pending" && pod["status"]?["containerStatuses"] is null && now - created >= timings.PodStartDelay)
            {
                var copy = ClusterCache.Copy(pod);
                Start(copy, node, now);
                var trouble = (string?)metadata["annotations"]?[ContainerStateAnnotation];
                if (trouble is not null && ContainerTrouble.Apply(copy, trouble, now) is { } warning)
                {
                    writes.Add(TroubleAsync(copy, nodeName, warning, writer, now, cancellationToken));
                }
                else
                {
                    writes.Add(StartedAsync(copy, nodeName, writer, now, cancellationToken));
                }
            }
            else if (PodCompletion.Due(pod, timings.EffectiveJobPodRunTime, now))
            {
                var copy = ClusterCache.Copy(pod);
                PodCompletion.Succeed(copy, now);
                writes.Add(writer.UpdateAsync(Resources.Pods, copy, cancellationToken));
            }
            else if (phase == "Running" && PodCompletion.RunTime(pod, timings.EffectiveJobPodRunTime) is null)
            {
                settled.Add(pod);
            }
        }

        _settled = settled;
        await Task.WhenAll(writes).ConfigureAwait(false);
    }

    private async Task StartedAsync(JsonObject pod, string nodeName, ObjectWriter writer, DateTimeOffset now, CancellationToken ct)
    {
        if (await writer.UpdateAsync(Resources.Pods, pod, ct).ConfigureAwait(false))
        {
            foreach (var container in (pod["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>() ?? [])
            {
                var name = (string?)container["name"];
                await events.RecordAsync(pod, Resources.Pods, "Normal", "Pulled", $"Container image \"{(string?)container["image"]}\" already present on machine",
                    "kubelet", nodeName, now, ct).ConfigureAwait(false);
                await events.RecordAsync(pod, Resources.Pods, "Normal", "Started", $"Started container {name}", "kubelet", nodeName, now, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task TroubleAsync(JsonObject pod, string nodeName, (string Reason, string Message) warning, ObjectWriter writer, DateTimeOffset now, CancellationToken ct)
    {
        if (await writer.UpdateAsync(Resources.Pods, pod, ct).ConfigureAwait(false))
        {
            await events.RecordAsync(pod, Resources.Pods, "Warning", warning.Reason, warning.Message, "kubelet", nodeName, now, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// How long the pod's containers take to stop: its sim.pitcrew.dev/stop-seconds annotation (a workload that drains
    /// connections on SIGTERM), else the sim's stop delay; never longer than the grace period, after which the kubelet kills.
    /// </summary>
    private TimeSpan StopTime(JsonObject metadata, TimeSpan grace)
    {
        var stop = (string?)metadata["annotations"]?[StopSecondsAnnotation] is { } text
            && double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(seconds)
            : timings.PodStopDelay;
        return grace < stop ? grace : stop;
    }

    /// <summary>Reports the containers being stopped, once (the annotation remembers it was said).</summary>
    private async Task MarkKillingAsync(JsonObject pod, string nodeName, ObjectWriter writer, DateTimeOffset now, CancellationToken ct)
    {
        var metadata = ObjectMeta.Metadata(pod);
        var annotations = metadata["annotations"] as JsonObject ?? [];
        annotations[KillingAnnotation] = Precise(now);
        metadata["annotations"] = annotations;
        if (await writer.UpdateAsync(Resources.Pods, pod, ct).ConfigureAwait(false))
        {
            foreach (var container in (pod["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>() ?? [])
            {
                await events.RecordAsync(pod, Resources.Pods, "Normal", "Killing", $"Stopping container {(string?)container["name"]}", "kubelet", nodeName, now, ct)
                    .ConfigureAwait(false);
            }
        }
    }

    /// <summary>The write renewing (or creating) the node's Lease when it is due; null when it is not.</summary>
    private Task? RenewLease(JsonObject node, JsonObject? lease, ObjectWriter writer, DateTimeOffset now, CancellationToken ct)
    {
        var renewed = Resources.Time(lease?["spec"]?["renewTime"]);
        if (lease is not null && renewed is { } at && now - at < timings.LeaseRenewInterval)
        {
            return null;
        }

        var renewTime = Precise(now);
        if (lease is null)
        {
            var name = Resources.Name(node);
            var created = new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = name, ["ownerReferences"] = new JsonArray(Owner(node)) },
                ["spec"] = new JsonObject { ["holderIdentity"] = name, ["leaseDurationSeconds"] = 40, ["renewTime"] = renewTime },
            };
            return writer.CreateAsync(Leases, created, LeaseNamespace, now, ct);
        }

        var copy = ClusterCache.Copy(lease);
        copy["spec"]!["renewTime"] = renewTime;
        return writer.UpdateAsync(Leases, copy, ct);
    }

    /// <summary>metav1.MicroTime, as Lease renewals and the kubelet's own marks carry it.</summary>
    private static string Precise(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static JsonObject Owner(JsonObject node) => new()
    {
        ["apiVersion"] = "v1", ["kind"] = "Node", ["name"] = Resources.Name(node), ["uid"] = Resources.Uid(node),
    };

    /// <summary>What a running kubelet says about its node: Ready, and each pressure as the faults dictate.</summary>
    private static bool ReportConditions(JsonObject node, IReadOnlySet<string> faults, DateTimeOffset now)
    {
        var changed = Cluster.ControlPlaneLayout.FinishKubeletStart(node, now);
        changed |= Cluster.ControlPlaneLayout.KubeletStarting(node, now)
            ? NodeConditions.Set(node, "Ready", "False", "KubeletNotReady", "kubelet is starting: container runtime status check may not have completed yet", now)
            : NodeConditions.Set(node, "Ready", "True", "KubeletReady", "kubelet is posting ready status", now);
        foreach (var (fault, pressure) in NodeFaults.Pressures)
        {
            var on = faults.Contains(fault);
            changed |= on
                ? NodeConditions.Set(node, pressure.Condition, "True", pressure.TrueReason, pressure.TrueMessage, now)
                : NodeConditions.Set(node, pressure.Condition, "False", pressure.FalseReason, pressure.FalseMessage, now);
            changed |= NodeConditions.SetTaint(node, pressure.Taint, "NoSchedule", on, now);
        }

        return changed;
    }

    private static void Start(JsonObject pod, JsonObject node, DateTimeOffset now)
    {
        var stamp = ObjectMeta.Timestamp(now);
        var containers = (pod["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>() ?? [];
        var statuses = new JsonArray();
        foreach (var container in containers)
        {
            statuses.Add(new JsonObject
            {
                ["name"] = container["name"]?.DeepClone(),
                ["image"] = container["image"]?.DeepClone(),
                ["imageID"] = $"{(string?)container["image"]}@sha256:{new string('0', 64)}",
                ["ready"] = true,
                ["started"] = true,
                ["restartCount"] = 0,
                ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = stamp } },
            });
        }

        JsonObject Condition(string type) => new() { ["type"] = type, ["status"] = "True", ["lastTransitionTime"] = stamp };
        var hostIp = (node["status"]?["addresses"] as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(a => (string?)a["type"] == "InternalIP")?["address"]?.DeepClone();
        var podIp = PodIp(node, pod);
        pod["status"] = new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(Condition("PodReadyToStartContainers"), Condition("Initialized"), Condition("Ready"), Condition("ContainersReady"), Condition("PodScheduled")),
            ["hostIP"] = hostIp,
            ["podIP"] = podIp,
            ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = podIp }),
            ["startTime"] = stamp,
            ["containerStatuses"] = statuses,
            ["qosClass"] = "BestEffort",
        };
    }

    /// <summary>An address in the node's pod CIDR, stable for the pod's uid.</summary>
    private static string PodIp(JsonObject node, JsonObject pod)
    {
        var cidr = (string?)node["spec"]?["podCIDR"] ?? Cluster.ClusterBootstrap.PodCidr(0);
        var prefix = cidr[..cidr.LastIndexOf('.')];
        var host = 2 + (int)((uint)StringComparer.Ordinal.GetHashCode((string?)ObjectMeta.Metadata(pod)["uid"] ?? string.Empty) % 250);
        return $"{prefix}.{host}";
    }
}
