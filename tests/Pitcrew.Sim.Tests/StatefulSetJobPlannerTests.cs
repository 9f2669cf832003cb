using System.Text.Json.Nodes;
using Pitcrew.Sim.Controllers;

namespace Pitcrew.Sim.Tests;

/// <summary>The StatefulSet and Job planners on hand-built objects: what they create, delete and report.</summary>
public sealed class StatefulSetJobPlannerTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("OrderedReady", new string[0], new[] { 0 })]
    [InlineData("Parallel", new string[0], new[] { 0, 1, 2 })]
    [InlineData("OrderedReady", new[] { "ready" }, new[] { 1 })]
    [InlineData("OrderedReady", new[] { "pending" }, new int[0])]
    [InlineData("Parallel", new[] { "pending" }, new[] { 1, 2 })]
    public void StatefulSet_CreatesOrdinalsAsItsPolicyAllows(string policy, string[] existing, int[] expected)
    {
        var set = StatefulSet("web", 3, policy);
        var pods = existing.Select((state, i) => Pod($"web-{i}", state == "ready")).ToList();

        var plan = StatefulSetPlanner.Plan(set, pods);

        Assert.Equal(expected, plan.Create);
        Assert.Empty(plan.Delete);
    }

    [Fact]
    public void StatefulSet_ScaledDown_DeletesOnlyTheHighestOrdinal()
    {
        var plan = StatefulSetPlanner.Plan(StatefulSet("web", 1), [Pod("web-0", true), Pod("web-1", true), Pod("web-2", true)]);

        var (pod, why) = Assert.Single(plan.Delete);
        Assert.Equal(("web-2", StatefulSetDeletion.ScaleDown), ((string)pod["metadata"]!["name"]!, why));
        Assert.Equal(3, (int?)plan.Status["replicas"]);
    }

    [Fact]
    public void StatefulSet_WithAnotherTemplate_ReplacesTheHighestOrdinalFirst()
    {
        var plan = StatefulSetPlanner.Plan(StatefulSet("web", 3), [Pod("web-0", true, "old"), Pod("web-1", true, "old"), Pod("web-2", true, "old")]);

        var (pod, why) = Assert.Single(plan.Delete);
        Assert.Equal(("web-2", StatefulSetDeletion.Update), ((string)pod["metadata"]!["name"]!, why));
        Assert.Equal(0, (int?)plan.Status["updatedReplicas"]);
    }

    [Theory]
    [InlineData(3, 2, 0, 0, 2)]
    [InlineData(3, 2, 2, 0, 1)]
    [InlineData(3, 2, 1, 1, 1)]
    [InlineData(3, 2, 3, 0, 0)]
    public void Job_KeepsMinOfParallelismAndRemainingCompletionsActive(int completions, int parallelism, int succeeded, int active, int expected)
    {
        var pods = Enumerable.Range(0, succeeded).Select(i => JobPod($"s{i}", "Succeeded"))
            .Concat(Enumerable.Range(0, active).Select(i => JobPod($"a{i}", "Running"))).ToList();

        var plan = JobPlanner.Plan(Job(completions, parallelism), pods, Now);

        Assert.Equal(expected, plan.Create);
        Assert.Equal(succeeded, (int?)plan.Status["succeeded"]);
        Assert.Equal(succeeded >= completions ? JobOutcome.Complete : null, plan.Finished);
    }

    [Fact]
    public void Job_WithMoreFailuresThanItsBackoffLimit_FailsAndRemovesItsActivePods()
    {
        var job = Job(3, 1);
        job["spec"]!["backoffLimit"] = 1;

        var plan = JobPlanner.Plan(job, [JobPod("f1", "Failed"), JobPod("f2", "Failed"), JobPod("a1", "Running")], Now);

        Assert.Equal(JobOutcome.Failed, plan.Finished);
        Assert.Equal(0, plan.Create);
        Assert.Equal("a1", (string?)Assert.Single(plan.Delete)["metadata"]!["name"]);
        Assert.Equal("BackoffLimitExceeded", (string?)plan.Status["conditions"]![0]!["reason"]);
    }

    private static JsonObject StatefulSet(string name, int replicas, string policy = "OrderedReady") => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default", ["uid"] = "sts-uid", ["generation"] = 1 },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["podManagementPolicy"] = policy,
            ["template"] = new JsonObject { ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "i" }) } },
        },
    };

    private static JsonObject Pod(string name, bool ready, string? revision = null)
    {
        var set = StatefulSet("web", 1);
        var current = $"web-{DeploymentController.TemplateHash((JsonObject)set["spec"]!["template"]!)}";
        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { [StatefulSetPlanner.RevisionLabel] = revision ?? current } },
            ["status"] = new JsonObject
            {
                ["phase"] = ready ? "Running" : "Pending",
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }),
            },
        };
    }

    private static JsonObject Job(int completions, int parallelism) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = "batch", ["namespace"] = "default", ["uid"] = "job-uid" },
        ["spec"] = new JsonObject { ["completions"] = completions, ["parallelism"] = parallelism },
    };

    private static JsonObject JobPod(string name, string phase) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name },
        ["status"] = new JsonObject { ["phase"] = phase },
    };
}
