namespace Pitcrew.Sim.Controllers;

/// <summary>
/// Carries out each unfinished Job's <see cref="JobPlan"/>: pods named &lt;job&gt;-&lt;random&gt; with the Job's labels and
/// controller reference, the events the real job-controller records, and the status. The kubelet finishes the pods
/// (<see cref="PodCompletion"/>); this controller only counts them.
/// </summary>
internal sealed class JobController(EventRecorder events) : IController
{
    private const string Component = "job-controller";
    private readonly Expectations _expectations = new();

    public async Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pods = cache.List(Resources.Pods).Where(p => Resources.ControllerUid(p) is not null).ToLookup(p => Resources.ControllerUid(p)!);
        var creations = new List<Task<(string Owner, string[] Names)>>();
        var writes = new List<Task>();
        foreach (var job in cache.List(Resources.Jobs).Where(j => !Resources.Terminating(j) && !JobPlanner.Finished(j)))
        {
            var owned = pods[Resources.Uid(job)].ToList();
            if (_expectations.Waiting(Resources.Uid(job), owned.Select(Resources.Name), now))
            {
                continue;
            }

            var plan = JobPlanner.Plan(job, owned, now);
            var reference = ClusterCache.Copy(job);
            if (plan.Create > 0)
            {
                creations.Add(CreateAsync(writer, reference, plan.Create, now, cancellationToken));
            }

            writes.AddRange(plan.Delete.Select(pod => writer.DeleteAsync(Resources.Pods, pod, (long?)pod["spec"]?["terminationGracePeriodSeconds"] ?? 30, cancellationToken)));
            if (!JsonNode.DeepEquals(job["status"], plan.Status))
            {
                var copy = ClusterCache.Copy(job);
                copy["status"] = plan.Status;
                writes.Add(UpdateAsync(writer, copy, plan.Finished, now, cancellationToken));
            }
        }

        await _expectations.SettleAsync(writes, creations, now).ConfigureAwait(false);
    }

    private async Task<(string Owner, string[] Names)> CreateAsync(ObjectWriter writer, JsonObject job, int count, DateTimeOffset now, CancellationToken ct)
    {
        var template = job["spec"]?["template"] as JsonObject ?? [];
        var created = await Task.WhenAll(Enumerable.Range(0, count).Select(_ =>
            writer.CreateAsync(Resources.Pods, Resources.PodFromTemplate(template, job, Resources.Jobs, JobDefaults.PodLabels(job)), Resources.Namespace(job), now, ct)))
            .ConfigureAwait(false);
        var names = created.OfType<string>().ToArray();
        await Task.WhenAll(names.Select(name => events.RecordAsync(job, Resources.Jobs, "Normal", "SuccessfulCreate", $"Created pod: {name}", Component, null, now, ct)))
            .ConfigureAwait(false);
        return (Resources.Uid(job), names);
    }

    private async Task UpdateAsync(ObjectWriter writer, JsonObject job, JobOutcome? finished, DateTimeOffset now, CancellationToken ct)
    {
        if (await writer.UpdateAsync(Resources.Jobs, job, ct).ConfigureAwait(false) && finished is { } outcome)
        {
            await (outcome == JobOutcome.Complete
                ? events.RecordAsync(job, Resources.Jobs, "Normal", "Completed", "Job completed", Component, null, now, ct)
                : events.RecordAsync(job, Resources.Jobs, "Warning", JobPlanner.BackoffLimitExceeded, JobPlanner.BackoffMessage, Component, null, now, ct))
                .ConfigureAwait(false);
        }
    }
}
