namespace Pitcrew.Sim.Controllers;

/// <summary>
/// What the simulated kubelet reports for a pod annotated sim.pitcrew.dev/container-state: its first container crash-looping
/// (exit code 1, 5 restarts), stuck pulling its image, or OOMKilled (exit code 137) and back-off restarting.
/// </summary>
internal static class ContainerTrouble
{
    public const string CrashLoop = "CrashLoopBackOff";
    public const string ImagePull = "ImagePullBackOff";
    public const string OomKilled = "OOMKilled";

    /// <summary>Changes the started pod's status; returns the Warning event the kubelet records, or null for an unknown value.</summary>
    public static (string Reason, string Message)? Apply(JsonObject pod, string trouble, DateTimeOffset now)
    {
        var status = pod["status"]!.AsObject();
        var container = (status["containerStatuses"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault();
        if (container is null)
        {
            return null;
        }

        var name = (string?)container["name"];
        var podName = ObjectMeta.Name(pod);
        var stamp = ObjectMeta.Timestamp(now);
        JsonObject Terminated(int code, string reason) => new()
        {
            ["terminated"] = new JsonObject { ["exitCode"] = code, ["reason"] = reason, ["startedAt"] = stamp, ["finishedAt"] = stamp },
        };
        switch (trouble)
        {
            case CrashLoop or OomKilled:
                var oom = trouble == OomKilled;
                container["ready"] = false;
                container["started"] = false;
                container["restartCount"] = oom ? 3 : 5;
                container["state"] = new JsonObject
                {
                    ["waiting"] = new JsonObject { ["reason"] = CrashLoop, ["message"] = $"back-off 5m0s restarting failed container={name} pod={podName}" },
                };
                container["lastState"] = oom ? Terminated(137, OomKilled) : Terminated(1, "Error");
                NotReady(status);
                return ("BackOff", "Back-off restarting failed container " + name + " in pod " + podName);
            case ImagePull:
                var image = (string?)container["image"];
                container["ready"] = false;
                container["started"] = false;
                container["state"] = new JsonObject
                {
                    ["waiting"] = new JsonObject { ["reason"] = ImagePull, ["message"] = $"Back-off pulling image \"{image}\"" },
                };
                status["phase"] = "Pending";
                NotReady(status);
                return ("Failed", $"Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": not found");
            default:
                return null;
        }
    }

    private static void NotReady(JsonObject status)
    {
        foreach (var condition in (status["conditions"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            if ((string?)condition["type"] is "Ready" or "ContainersReady")
            {
                condition["status"] = "False";
                condition["reason"] = "ContainersNotReady";
            }
        }
    }
}
