using System.Text.Json.Nodes;
using Pitcrew.Sim.Api;

namespace Pitcrew.Sim.Tests;

public sealed class PatchesTests
{
    [Fact]
    public void MergePatch_SetsAndRemovesFields()
    {
        var result = Patches.Apply(Patches.MergeType, Obj("""{"spec":{"unschedulable":true,"podCIDR":"x"}}"""), Node("""{"spec":{"unschedulable":null,"taints":[]}}"""));
        Assert.Equal("""{"spec":{"podCIDR":"x","taints":[]}}""", result.ToJsonString());
    }

    [Fact]
    public void StrategicMerge_MergesKeyedListsAndReplacesOthers()
    {
        var target = Obj("""{"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:1"}],"tolerations":[{"key":"x"}]}}""");
        var patch = Node("""{"spec":{"containers":[{"name":"b","image":"b:2"},{"name":"c","image":"c:1"}],"tolerations":[{"key":"y"}]}}""");
        var result = Patches.Apply(Patches.StrategicType, target, patch);
        Assert.Equal(
            """{"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:2"},{"name":"c","image":"c:1"}],"tolerations":[{"key":"y"}]}}""",
            result.ToJsonString());
    }

    [Fact]
    public void StrategicMerge_HonoursDeleteDirectiveAndFinalizerSets()
    {
        var target = Obj("""{"metadata":{"finalizers":["a"]},"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"DiskPressure","status":"False"}]}}""");
        var patch = Node("""{"metadata":{"finalizers":["a","b"]},"status":{"conditions":[{"type":"DiskPressure","$patch":"delete"},{"type":"Ready","status":"False"}]}}""");
        var result = Patches.Apply(Patches.StrategicType, target, patch);
        Assert.Equal("""{"metadata":{"finalizers":["a","b"]},"status":{"conditions":[{"type":"Ready","status":"False"}]}}""", result.ToJsonString());
    }

    [Fact]
    public void JsonPatch_AppliesOperationsInOrderAndFailsATest()
    {
        var target = Obj("""{"metadata":{"labels":{"a":"1"}},"spec":{"taints":[{"key":"x"}]}}""");
        var result = Patches.Apply(Patches.JsonPatchType, target, Node(
            """[{"op":"add","path":"/metadata/labels/b~1c","value":"2"},{"op":"remove","path":"/spec/taints/0"},{"op":"test","path":"/metadata/labels/a","value":"1"}]"""));
        Assert.Equal("""{"metadata":{"labels":{"a":"1","b/c":"2"}},"spec":{"taints":[]}}""", result.ToJsonString());

        var failed = Assert.Throws<ApiStatus>(() => Patches.Apply(Patches.JsonPatchType, target, Node("""[{"op":"test","path":"/metadata/labels/a","value":"9"}]""")));
        Assert.Equal(422, failed.Code);
    }

    [Fact]
    public void UnknownPatchType_Is415()
    {
        var error = Assert.Throws<ApiStatus>(() => Patches.Apply("application/apply-patch+yaml", Obj("{}"), Node("{}")));
        Assert.Equal(415, error.Code);
    }

    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    private static JsonNode Node(string json) => JsonNode.Parse(json)!;
}
