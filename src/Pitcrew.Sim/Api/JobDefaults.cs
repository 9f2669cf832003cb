namespace Pitcrew.Sim.Api;

/// <summary>
/// What kube-apiserver fills in on a new Job: completions and parallelism 1 when neither is given, backoffLimit 6,
/// completionMode NonIndexed, suspend false, and (unless spec.manualSelector) a selector on the Job's uid with the
/// matching labels on its pod template.
/// </summary>
internal static class JobDefaults
{
    public const string ControllerUidLabel = "batch.kubernetes.io/controller-uid";
    public const string JobNameLabel = "batch.kubernetes.io/job-name";
    public const string LegacyControllerUidLabel = "controller-uid";
    public const string LegacyJobNameLabel = "job-name";

    public static void Apply(JsonObject job)
    {
        if (job["spec"] is not JsonObject spec)
        {
            return;
        }

        if (spec["completions"] is null && spec["parallelism"] is null)
        {
            spec["completions"] = 1;
        }

        spec["parallelism"] ??= 1;
        spec["backoffLimit"] ??= 6;
        spec["completionMode"] ??= "NonIndexed";
        spec["suspend"] ??= false;
        if ((bool?)spec["manualSelector"] == true)
        {
            return;
        }

        var labels = PodLabels(job);
        spec["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { [ControllerUidLabel] = labels[ControllerUidLabel]?.DeepClone() } };
        var template = spec["template"] as JsonObject ?? [];
        var metadata = template["metadata"] as JsonObject ?? [];
        var templateLabels = metadata["labels"] as JsonObject ?? [];
        foreach (var (key, value) in labels)
        {
            templateLabels[key] = value?.DeepClone();
        }

        metadata["labels"] = templateLabels;
        template["metadata"] = metadata;
        spec["template"] = template;
    }

    /// <summary>The labels every pod of the Job carries: its uid and name, under the current and the legacy keys.</summary>
    public static JsonObject PodLabels(JsonObject job)
    {
        var metadata = ObjectMeta.Metadata(job);
        var (uid, name) = ((string?)metadata["uid"], (string?)metadata["name"]);
        return new JsonObject
        {
            [ControllerUidLabel] = uid,
            [JobNameLabel] = name,
            [LegacyControllerUidLabel] = uid,
            [LegacyJobNameLabel] = name,
        };
    }
}
