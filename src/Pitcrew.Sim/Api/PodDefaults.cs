namespace Pitcrew.Sim.Api;

/// <summary>
/// What kube-apiserver's admission adds to every new pod: the DefaultTolerationSeconds plugin's tolerations of the
/// not-ready and unreachable NoExecute taints for 300 s (unless the pod already tolerates them), so pods leave a lost
/// node five minutes after it is tainted.
/// </summary>
internal static class PodDefaults
{
    public const long TolerationSeconds = 300;
    private static readonly string[] NodeProblems = ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"];

    public static void Apply(JsonObject pod)
    {
        var spec = pod["spec"] as JsonObject;
        if (spec is null)
        {
            return;
        }

        var tolerations = spec["tolerations"] as JsonArray ?? [];
        foreach (var key in NodeProblems)
        {
            var covered = tolerations.OfType<JsonObject>().Any(t =>
                (string.IsNullOrEmpty((string?)t["effect"]) || (string?)t["effect"] == "NoExecute")
                && ((string?)t["key"] == key || (string.IsNullOrEmpty((string?)t["key"]) && (string?)t["operator"] == "Exists")));
            if (!covered)
            {
                tolerations.Add(new JsonObject { ["key"] = key, ["operator"] = "Exists", ["effect"] = "NoExecute", ["tolerationSeconds"] = TolerationSeconds });
            }
        }

        spec["tolerations"] = tolerations;
    }
}
