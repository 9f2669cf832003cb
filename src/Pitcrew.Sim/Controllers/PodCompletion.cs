namespace Pitcrew.Sim.Controllers;

/// <summary>
/// When a running pod's work is done, for the kubelet to report: a pod with a sim.pitcrew.dev/run-seconds annotation
/// runs that long, a Job's pod without one the default; then its containers exit 0 (Completed) and it has Succeeded.
/// Other pods run until deleted.
/// </summary>
internal static class PodCompletion
{
    public const string RunSecondsAnnotation = "sim.pitcrew.dev/run-seconds";

    /// <summary>How long the pod runs before it succeeds; null for a pod that runs until deleted.</summary>
    public static TimeSpan? RunTime(JsonObject pod, TimeSpan jobDefault)
    {
        if ((string?)ObjectMeta.Metadata(pod)["annotations"]?[RunSecondsAnnotation] is { } text
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        var ownedByJob = (ObjectMeta.Metadata(pod)["ownerReferences"] as JsonArray)?.OfType<JsonObject>()
            .Any(r => (bool?)r["controller"] == true && (string?)r["kind"] == "Job") ?? false;
        return ownedByJob ? jobDefault : null;
    }

    /// <summary>Whether a running pod has run its time.</summary>
    public static bool Due(JsonObject pod, TimeSpan jobDefault, DateTimeOffset now) =>
        (string?)pod["status"]?["phase"] == "Running" && RunTime(pod, jobDefault) is { } run
        && Resources.Time(pod["status"]?["startTime"]) is { } started && now - started >= run;

    /// <summary>Moves the pod to Succeeded: every container terminated with exit code 0, reason Completed; not ready.</summary>
    public static void Succeed(JsonObject pod, DateTimeOffset now)
    {
        var stamp = ObjectMeta.Timestamp(now);
        var status = pod["status"] as JsonObject ?? [];
        status["phase"] = "Succeeded";
        foreach (var condition in (status["conditions"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            if ((string?)condition["type"] is "Ready" or "ContainersReady" or "PodReadyToStartContainers")
            {
                condition["status"] = "False";
                condition["lastTransitionTime"] = stamp;
                if ((string?)condition["type"] is "Ready" or "ContainersReady")
                {
                    condition["reason"] = "PodCompleted";
                }
            }
        }

        foreach (var container in (status["containerStatuses"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var startedAt = container["state"]?["running"]?["startedAt"]?.DeepClone() ?? status["startTime"]?.DeepClone();
            container["ready"] = false;
            container["started"] = false;
            container["state"] = new JsonObject
            {
                ["terminated"] = new JsonObject
                {
                    ["exitCode"] = 0,
                    ["reason"] = "Completed",
                    ["startedAt"] = startedAt,
                    ["finishedAt"] = stamp,
                    ["containerID"] = container["containerID"]?.DeepClone(),
                },
            };
        }

        pod["status"] = status;
    }
}
