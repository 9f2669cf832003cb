using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Pitcrew.Sim.Scenarios;

namespace Pitcrew.Sim.Tests;

/// <summary>A simulated cluster on fast timings whose Job pods run 1 s unless their annotation says otherwise.</summary>
public sealed class StatefulSetJobFixture : SimulatorFixture
{
    protected override SimTimings? Timings => new(
        TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(40), JobPodRunTime: TimeSpan.FromSeconds(1));
}

/// <summary>StatefulSets and Jobs through the real kubectl: ordinal pods, stable names, ordered scaling, completions.</summary>
public sealed class StatefulSetJobTests(StatefulSetJobFixture sim) : IClassFixture<StatefulSetJobFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(40);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StatefulSet_OrderedReady_CreatesEachOrdinalOnlyAfterTheOnesBeforeAreReady()
    {
        await CreateStatefulSetAsync("sts-order", "web", 3);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await UntilAsync(async () =>
        {
            var done = (await sim.KubectlAsync("-n", "sts-order", "get", "statefulset", "web", "-o", "jsonpath={.status.readyReplicas}")).Stdout == "3";
            var pods = await PodsAsync("sts-order");
            foreach (var pod in pods)
            {
                seen.Add(Name(pod));
                var ordinal = int.Parse(Name(pod)["web-".Length..], System.Globalization.CultureInfo.InvariantCulture);
                for (var lower = 0; lower < ordinal; lower++)
                {
                    var before = pods.FirstOrDefault(p => Name(p) == $"web-{lower}");
                    Assert.True(before is not null && Ready(before), $"web-{ordinal} exists while web-{lower} is not Ready");
                }
            }

            return done;
        });

        Assert.Equal(["web-0", "web-1", "web-2"], seen.Order(StringComparer.Ordinal));
        var table = await sim.KubectlAsync("-n", "sts-order", "get", "statefulsets");
        Assert.Matches(@"NAME\s+READY\s+AGE\nweb\s+3/3\s", table.Stdout);

        var web1 = (await PodsAsync("sts-order")).Single(p => Name(p) == "web-1");
        var labels = web1["metadata"]!["labels"]!;
        var status = await StatusAsync("sts-order", "statefulsets", "web");
        Assert.Equal("web-1", (string?)labels["statefulset.kubernetes.io/pod-name"]);
        Assert.Equal("1", (string?)labels["apps.kubernetes.io/pod-index"]);
        Assert.Equal("web", (string?)labels["app"]);
        Assert.Equal((string?)status["updateRevision"], (string?)labels["controller-revision-hash"]);
        Assert.Equal((string?)status["updateRevision"], (string?)status["currentRevision"]);
        Assert.Equal(3, (int?)status["currentReplicas"]);
        Assert.Equal(3, (int?)status["updatedReplicas"]);
        var owner = web1["metadata"]!["ownerReferences"]![0]!;
        Assert.Equal(("StatefulSet", "web", true), ((string?)owner["kind"], (string?)owner["name"], (bool?)owner["controller"]));

        var events = await sim.KubectlAsync("-n", "sts-order", "get", "events", "--field-selector=reason=SuccessfulCreate", "-o", "jsonpath={.items[*].message}");
        Assert.Contains("create Pod web-0 in StatefulSet web successful", events.Stdout, StringComparison.Ordinal);
        Assert.Contains("create Pod web-2 in StatefulSet web successful", events.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatefulSet_PodDeleted_ComesBackUnderTheSameNameWithANewUid()
    {
        await CreateStatefulSetAsync("sts-same", "db", 3);
        await UntilAsync(async () => (await sim.KubectlAsync("-n", "sts-same", "get", "statefulset", "db", "-o", "jsonpath={.status.readyReplicas}")).Stdout == "3");
        var before = (await sim.KubectlAsync("-n", "sts-same", "get", "pod", "db-1", "-o", "jsonpath={.metadata.uid}")).Stdout;

        var deleted = await sim.KubectlAsync("-n", "sts-same", "delete", "pod", "db-1", "--timeout=20s");
        Assert.True(deleted.ExitCode == 0, deleted.Stderr);
        Assert.Equal("pod \"db-1\" deleted", deleted.Stdout.Trim());

        await UntilAsync(async () =>
        {
            var pod = (await PodsAsync("sts-same")).FirstOrDefault(p => Name(p) == "db-1");
            return pod is not null && (string?)pod["metadata"]!["uid"] != before && Ready(pod);
        });
        Assert.Equal(["db-0", "db-1", "db-2"], (await PodsAsync("sts-same")).Select(Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task KubectlScale_ThroughTheScaleSubresource_ResizesStatefulSetAndDeployment()
    {
        await CreateStatefulSetAsync("sts-scale", "kv", 1);
        var scaled = await sim.KubectlAsync("-n", "sts-scale", "scale", "statefulset", "kv", "--replicas=3");
        Assert.True(scaled.ExitCode == 0, scaled.Stderr);
        Assert.Equal("statefulset.apps/kv scaled", scaled.Stdout.Trim());
        await UntilAsync(async () => (await sim.KubectlAsync("-n", "sts-scale", "get", "statefulset", "kv", "-o", "jsonpath={.status.readyReplicas}")).Stdout == "3");

        var created = await sim.KubectlAsync("-n", "sts-scale", "create", "deployment", "web", "--image=nginx:1.27", "--replicas=1");
        Assert.True(created.ExitCode == 0, created.Stderr);
        var conditional = await sim.KubectlAsync("-n", "sts-scale", "scale", "deployment", "web", "--current-replicas=2", "--replicas=4");
        Assert.NotEqual(0, conditional.ExitCode); // the precondition does not hold: nothing changes
        Assert.True((await sim.KubectlAsync("-n", "sts-scale", "scale", "deployment", "web", "--replicas=4")).ExitCode == 0);
        await UntilAsync(async () => (await sim.KubectlAsync("-n", "sts-scale", "get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}")).Stdout == "4");
        var scale = await sim.KubectlAsync("-n", "sts-scale", "get", "deployment", "web", "--subresource=scale", "-o", "jsonpath={.kind} {.spec.replicas} {.status.selector}");
        Assert.Equal("Scale 4 app=web", scale.Stdout);
    }

    [Fact]
    public async Task StatefulSet_ScaledDown_RemovesTheHighestOrdinalFirst()
    {
        await CreateStatefulSetAsync("sts-down", "kv", 3);
        await UntilAsync(async () => (await sim.KubectlAsync("-n", "sts-down", "get", "statefulset", "kv", "-o", "jsonpath={.status.readyReplicas}")).Stdout == "3");

        var patched = await sim.KubectlAsync("-n", "sts-down", "patch", "statefulset", "kv", "--type=merge", "-p", """{"spec":{"replicas":1}}""");
        Assert.True(patched.ExitCode == 0, patched.Stderr);
        await UntilAsync(async () =>
        {
            var live = (await PodsAsync("sts-down")).Where(p => p["metadata"]!["deletionTimestamp"] is null).Select(Name).ToHashSet(StringComparer.Ordinal);
            Assert.False(live.Contains("kv-2") && !live.Contains("kv-1"), "kv-1 went before kv-2");
            return (await PodsAsync("sts-down")).Select(Name).SequenceEqual(["kv-0"]);
        });

        var events = await sim.KubectlAsync("-n", "sts-down", "get", "events", "--field-selector=reason=SuccessfulDelete", "-o", "jsonpath={.items[*].message}");
        Assert.Contains("delete Pod kv-2 in StatefulSet kv successful", events.Stdout, StringComparison.Ordinal);
        Assert.Contains("delete Pod kv-1 in StatefulSet kv successful", events.Stdout, StringComparison.Ordinal);
        Assert.Equal("1", (await sim.KubectlAsync("-n", "sts-down", "get", "statefulset", "kv", "-o", "jsonpath={.status.replicas}")).Stdout);
    }

    [Fact]
    public async Task Job_WithCompletionsThreeAndParallelismTwo_RunsAtMostTwoAtOnceAndCompletes()
    {
        Assert.Equal(0, (await sim.KubectlAsync("create", "namespace", "job-batch")).ExitCode);
        var manifest = Path.Combine(sim.Root, "job-batch.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: batch
              namespace: job-batch
            spec:
              completions: 3
              parallelism: 2
              template:
                metadata:
                  annotations: {sim.pitcrew.dev/run-seconds: "1"}
                spec:
                  restartPolicy: Never
                  containers:
                  - name: work
                    image: busybox:1.36
            """, Token);
        var applied = await sim.KubectlAsync("apply", "-f", manifest);
        Assert.True(applied.ExitCode == 0, applied.Stderr);

        var mostActive = 0;
        await UntilAsync(async () =>
        {
            var pods = await PodsAsync("job-batch");
            mostActive = Math.Max(mostActive, pods.Count(p => (string?)p["status"]?["phase"] is not ("Succeeded" or "Failed")));
            return (await StatusAsync("job-batch", "jobs", "batch"))["completionTime"] is not null;
        });

        var wait = await sim.KubectlAsync("-n", "job-batch", "wait", "--for=condition=complete", "job/batch", "--timeout=10s");
        Assert.True(wait.ExitCode == 0, wait.Stderr);
        Assert.InRange(mostActive, 1, 2);
        var status = await StatusAsync("job-batch", "jobs", "batch");
        Assert.Equal((3, 0, 0), ((int?)status["succeeded"], (int?)status["active"] ?? 0, (int?)status["failed"] ?? 0));
        var table = await sim.KubectlAsync("-n", "job-batch", "get", "jobs");
        Assert.Matches(@"NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\nbatch\s+Complete\s+3/3\s+\d+s\s", table.Stdout);

        var pods = await PodsAsync("job-batch");
        Assert.Equal(3, pods.Count);
        Assert.All(pods, p =>
        {
            Assert.Equal("Succeeded", (string?)p["status"]!["phase"]);
            Assert.Equal("batch", (string?)p["metadata"]!["labels"]!["batch.kubernetes.io/job-name"]);
            var terminated = p["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!;
            Assert.Equal(("Completed", 0), ((string?)terminated["reason"], (int?)terminated["exitCode"]));
        });
        var podTable = await sim.KubectlAsync("-n", "job-batch", "get", "pods", "--no-headers");
        Assert.Equal(3, podTable.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains(" Completed ", StringComparison.Ordinal)));

        var events = await sim.KubectlAsync("-n", "job-batch", "get", "events", "-o", "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}");
        Assert.Equal(3, events.Stdout.Split('\n').Count(l => l.StartsWith("SuccessfulCreate: Created pod: batch-", StringComparison.Ordinal)));
        Assert.Contains("Completed: Job completed", events.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KubectlCreateJob_GetsTheApiServersDefaultsAndCompletesAfterTheDefaultRunTime()
    {
        Assert.Equal(0, (await sim.KubectlAsync("create", "namespace", "job-once")).ExitCode);
        var created = await sim.KubectlAsync("-n", "job-once", "create", "job", "hello", "--image=busybox:1.36");
        Assert.True(created.ExitCode == 0, created.Stderr);

        var wait = await sim.KubectlAsync("-n", "job-once", "wait", "--for=condition=complete", "job/hello", "--timeout=30s");
        Assert.True(wait.ExitCode == 0, wait.Stderr);
        using var client = sim.AdminClient();
        var job = (await client.GetFromJsonAsync<JsonObject>("/apis/batch/v1/namespaces/job-once/jobs/hello", Token))!;
        var uid = (string?)job["metadata"]!["uid"];
        Assert.Equal(uid, (string?)job["spec"]!["selector"]!["matchLabels"]!["batch.kubernetes.io/controller-uid"]);
        Assert.Equal((1, 1, 6), ((int?)job["spec"]!["completions"], (int?)job["spec"]!["parallelism"], (int?)job["spec"]!["backoffLimit"]));
        Assert.Equal("CompletionsReached", (string?)job["status"]!["conditions"]![0]!["reason"]);
        Assert.Matches(@"hello\s+Complete\s+1/1\s", (await sim.KubectlAsync("-n", "job-once", "get", "jobs", "--no-headers")).Stdout);
    }

    private async Task CreateStatefulSetAsync(string ns, string name, int replicas)
    {
        Assert.Equal(0, (await sim.KubectlAsync("create", "namespace", ns)).ExitCode);
        var manifest = Path.Combine(sim.Root, $"{ns}-{name}.yaml");
        await File.WriteAllTextAsync(manifest, $$"""
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: {{name}}
              namespace: {{ns}}
            spec:
              replicas: {{replicas}}
              serviceName: {{name}}
              selector:
                matchLabels: {app: {{name}}}
              template:
                metadata:
                  labels: {app: {{name}}}
                spec:
                  containers:
                  - name: main
                    image: nginx:1.27
              volumeClaimTemplates:
              - metadata: {name: data}
                spec:
                  accessModes: [ReadWriteOnce]
                  resources:
                    requests: {storage: 1Gi}
            """, Token);
        var applied = await sim.KubectlAsync("apply", "-f", manifest);
        Assert.True(applied.ExitCode == 0, applied.Stderr);
        Assert.Equal($"statefulset.apps/{name} created", applied.Stdout.Trim());
    }

    private async Task<List<JsonObject>> PodsAsync(string ns)
    {
        using var client = sim.AdminClient();
        var list = await client.GetFromJsonAsync<JsonObject>($"/api/v1/namespaces/{ns}/pods", Token);
        return [.. list!["items"]!.AsArray().OfType<JsonObject>()];
    }

    private async Task<JsonObject> StatusAsync(string ns, string resource, string name)
    {
        using var client = sim.AdminClient();
        var group = resource == "jobs" ? "batch/v1" : "apps/v1";
        var obj = await client.GetFromJsonAsync<JsonObject>($"/apis/{group}/namespaces/{ns}/{resource}/{name}", Token);
        return obj!["status"] as JsonObject ?? [];
    }

    private static string Name(JsonObject obj) => (string)obj["metadata"]!["name"]!;

    private static bool Ready(JsonObject pod) =>
        (string?)pod["status"]?["phase"] == "Running"
        && (pod["status"]?["conditions"] as JsonArray)?.Any(c => (string?)c!["type"] == "Ready" && (string?)c["status"] == "True") == true;

    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(Bound);
        while (!await condition())
        {
            await Task.Delay(200, timeout.Token);
        }
    }
}

/// <summary>The StatefulSet and Job kinds in scenario files.</summary>
public sealed class StatefulSetJobScenarioTests
{
    [Fact]
    public void Scenario_WithAStatefulSetAndAJob_Parses()
    {
        var scenario = ScenarioReader.Parse("""
            nodes:
              - name: cp
                role: control-plane
            workloads:
              - kind: StatefulSet
                name: db
                replicas: 3
                pdb: {minAvailable: "2"}
              - kind: Job
                name: migrate
                completions: 4
                parallelism: 2
                runSeconds: 10
            """, "test.yaml");

        Assert.Contains(scenario.Workloads, w => w is { Kind: "StatefulSet", Name: "db", Replicas: 3, PdbMinAvailable: "2" });
        Assert.Contains(scenario.Workloads, w => w is { Kind: "Job", Name: "migrate", Completions: 4, Parallelism: 2, RunSeconds: 10 });
    }

    [Theory]
    [InlineData("workloads:\n  - kind: Job\n    name: j\n    completions: many\n", ":7: completions: \"many\": want a whole number from 1")]
    [InlineData("workloads:\n  - kind: StatefulSet\n    name: s\n    parallelism: 2\n", ":7: parallelism: only a Job has parallelism (this is a StatefulSet)")]
    [InlineData("workloads:\n  - kind: Job\n    name: j\n    runSecond: 2\n", ":7: unknown field \"runSecond\"")]
    public void Malformed_JobOrStatefulSetField_NamesTheLine(string workloads, string expected)
    {
        var yaml = "nodes:\n  - name: cp\n    role: control-plane\n" + workloads;
        var error = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(yaml, "test.yaml"));
        Assert.StartsWith("test.yaml", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
