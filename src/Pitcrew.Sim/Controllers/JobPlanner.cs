namespace Pitcrew.Sim.Controllers;

/// <summary>How a Job ended, when it just did.</summary>
internal enum JobOutcome
{
    Complete,
    Failed,
}

/// <summary>The next step for one Job: how many pods to start, which to delete, the status, and whether it just finished.</summary>
internal sealed record JobPlan(int Create, IReadOnlyList<JsonObject> Delete, JsonObject Status, JobOutcome? Finished);

/// <summary>
/// Decides a Job's next step from the Job and its pods, as the real job-controller does for NonIndexed Jobs: keep
/// min(parallelism, completions - succeeded) pods active; Complete once completions pods succeeded (without completions,
/// once one succeeded and none is left running); Failed once more pods failed than backoffLimit allows, removing the active
/// ones. A suspended Job starts nothing. A finished Job is left as it is.
/// </summary>
internal static class JobPlanner
{
    public const string CompletionsReached = "CompletionsReached";
    public const string CompletionsMessage = "Reached expected number of succeeded pods";
    public const string BackoffLimitExceeded = "BackoffLimitExceeded";
    public const string BackoffMessage = "Job has reached the specified backoff limit";

    public static bool Finished(JsonObject job) => Resources.HasCondition(job, "Complete") || Resources.HasCondition(job, "Failed");

    public static JobPlan Plan(JsonObject job, IReadOnlyList<JsonObject> pods, DateTimeOffset now)
    {
        var spec = job["spec"];
        var completions = (int?)spec?["completions"];
        var parallelism = (int?)spec?["parallelism"] ?? 1;
        var backoffLimit = (int?)spec?["backoffLimit"] ?? 6;
        var suspended = (bool?)spec?["suspend"] == true;
        var active = pods.Where(Resources.Live).ToList();
        string Phase(JsonObject p) => (string?)p["status"]?["phase"] ?? string.Empty;

        // Finished pods may be deleted by hand; what was counted stays counted.
        var succeeded = Math.Max(pods.Count(p => Phase(p) == "Succeeded"), (int?)job["status"]?["succeeded"] ?? 0);
        var failed = Math.Max(pods.Count(p => Phase(p) == "Failed"), (int?)job["status"]?["failed"] ?? 0);

        JobOutcome? outcome = failed > backoffLimit ? JobOutcome.Failed
            : (completions is { } c ? succeeded >= c : succeeded > 0 && active.Count == 0) ? JobOutcome.Complete
            : null;
        var create = 0;
        var delete = new List<JsonObject>();
        if (outcome is not null)
        {
            delete.AddRange(active);
        }
        else if (!suspended)
        {
            var wanted = completions is { } total ? Math.Min(parallelism, total - succeeded) : succeeded > 0 ? 0 : parallelism;
            create = Math.Max(0, wanted - active.Count);
        }

        var stamp = ObjectMeta.Timestamp(now);
        var status = new JsonObject
        {
            ["startTime"] = job["status"]?["startTime"]?.DeepClone() ?? (suspended ? null : stamp),
            ["active"] = outcome is null ? active.Count : 0,
            ["succeeded"] = succeeded,
            ["failed"] = failed,
            ["ready"] = outcome is null ? active.Count(p => Resources.HasCondition(p, "Ready")) : 0,
            ["terminating"] = pods.Count(p => Resources.Terminating(p) && Phase(p) is not ("Succeeded" or "Failed")),
            ["uncountedTerminatedPods"] = new JsonObject(),
        };
        if (outcome is { } finished)
        {
            var (type, reason, message) = finished == JobOutcome.Complete
                ? ("Complete", CompletionsReached, CompletionsMessage)
                : ("Failed", BackoffLimitExceeded, BackoffMessage);
            status["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = type,
                ["status"] = "True",
                ["lastProbeTime"] = stamp,
                ["lastTransitionTime"] = stamp,
                ["reason"] = reason,
                ["message"] = message,
            });
            if (finished == JobOutcome.Complete)
            {
                status["completionTime"] = stamp;
            }
        }

        foreach (var key in status.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            status.Remove(key);
        }

        return new JobPlan(create, delete, status, outcome);
    }
}
