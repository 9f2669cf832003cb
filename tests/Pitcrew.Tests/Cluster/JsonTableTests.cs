using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using Pitcrew.Cluster;

namespace Pitcrew.Tests.Cluster;

/// <summary>The table-driven reader engine under the cluster read model: dispatch by path, skipping, nulls, arrays, truncation.</summary>
public sealed class JsonTableTests
{
    private static readonly JsonTable<Probe> Item = new()
    {
        { "name", static (ref Utf8JsonReader r, ref Probe s) => s.Name = JsonFields.String(ref r) },
    };

    private static readonly JsonTable<Probe> Table = new()
    {
        { "name", static (ref Utf8JsonReader r, ref Probe s) => s.Name = JsonFields.String(ref r) },
        { "spec.size", static (ref Utf8JsonReader r, ref Probe s) => s.Size = JsonFields.Int(ref r) },
        { "spec.deep.flag", static (ref Utf8JsonReader r, ref Probe s) => s.Flag = JsonFields.Bool(ref r) },
        { "items", static (ref Utf8JsonReader r, ref Probe s) => Item.Each(ref r, ref s, new Probe { Name = "seed" }, AddItem) },
        {
            "raw", static (ref Utf8JsonReader r, ref Probe s) =>
            {
                s.RawKind = r.TokenType.ToString();
                r.Skip();
            }
        },
    };

    [Fact]
    public void Read_DispatchesEachPathToItsHandler()
    {
        var probe = Read("""{"name":"a","spec":{"size":3,"deep":{"flag":true}}}""");

        Assert.Equal("a", probe.Name);
        Assert.Equal(3, probe.Size);
        Assert.True(probe.Flag);
    }

    [Fact]
    public void Read_SkipsUnknownAndNestedFieldsWhereverTheyAre()
    {
        var probe = Read("""{"x":{"name":"not me","spec":{"size":9}},"spec":{"other":[1,{"size":8},[{}]],"size":4,"deep":{"more":{"flag":false},"flag":true}},"y":[{"name":"b"}],"name":"c"}""");

        Assert.Equal("c", probe.Name);
        Assert.Equal(4, probe.Size);
        Assert.True(probe.Flag);
        Assert.Null(probe.Items);
    }

    [Fact]
    public void Read_NullWhereAnObjectIsExpected_IsSkipped()
    {
        var probe = Read("""{"spec":null,"name":"a"}""");

        Assert.Equal("a", probe.Name);
        Assert.Null(probe.Size);
    }

    [Fact]
    public void Read_NullValue_ReachesTheHandler()
    {
        var probe = Read("""{"name":null,"raw":null,"spec":{"size":null}}""");

        Assert.Null(probe.Name);
        Assert.Null(probe.Size);
        Assert.Equal(nameof(JsonTokenType.Null), probe.RawKind);
    }

    [Fact]
    public void Read_HandlerGetsAWholeValueOfAnyKind()
    {
        var probe = Read("""{"raw":[1,2,{"a":3}],"name":"after"}""");

        Assert.Equal(nameof(JsonTokenType.StartArray), probe.RawKind);
        Assert.Equal("after", probe.Name);
    }

    [Fact]
    public void Each_ReadsEveryObjectOfAnArrayFromTheSeed_AndSkipsTheRest()
    {
        var probe = Read("""{"items":[{"name":"a"},null,7,{},{"name":"b","extra":{"name":"x"}}],"name":"top"}""");

        Assert.Equal(["a", "seed", "b"], probe.Items);
        Assert.Equal("top", probe.Name);
    }

    [Fact]
    public void Each_NullArray_AddsNothing()
    {
        var probe = Read("""{"items":null}""");

        Assert.Null(probe.Items);
    }

    [Theory]
    [InlineData("""{"name":"a","spec":{"size":3""")]
    [InlineData("""{"items":[{"name":"a"},""")]
    [InlineData("""{"name":""")]
    public void Read_TruncatedDocument_ThrowsAJsonException(string json)
    {
        var error = Assert.ThrowsAny<JsonException>(() => Read(json));

        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Read_TruncatedPartialBlock_SaysWhereTheObjectEnds()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"name":"a","spec":{"size":3}""");
        var error = Assert.Throws<JsonException>(() =>
        {
            var reader = new Utf8JsonReader(bytes, isFinalBlock: false, default);
            reader.Read();
            var probe = default(Probe);
            Table.Read(ref reader, ref probe);
        });

        Assert.Contains("ends inside an object", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_SamePathTwice_IsRefused()
    {
        var table = new JsonTable<Probe> { { "a.b", static (ref Utf8JsonReader r, ref Probe s) => r.Skip() } };

        Assert.Throws<ArgumentException>(() => table.Add("a.b", static (ref Utf8JsonReader r, ref Probe s) => r.Skip()));
        Assert.Throws<ArgumentException>(() => table.Add("a", static (ref Utf8JsonReader r, ref Probe s) => r.Skip()));
    }

    [Fact]
    public void Enumerating_ListsThePathsOfTheTable()
    {
        Assert.Equal(["name", "spec.size", "spec.deep.flag", "items", "raw"], Table);
    }

    [Fact]
    public void Read_EscapedPropertyNames_MatchTheirText()
    {
        var probe = Read("""{"n\u0061me":"a","sp\u0065c":{"size":5}}""");

        Assert.Equal("a", probe.Name);
        Assert.Equal(5, probe.Size);
    }

    [Fact]
    public void KubeFacts_PodFromTheClientsModel_EqualsThePodReadFromItsJson()
    {
        const string json = """{"metadata":{"name":"web-1","namespace":"shop","uid":"u-1","deletionTimestamp":"2026-11-30T12:00:00Z","labels":{"app":"web"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-abc","controller":true}]},"spec":{"nodeName":"w-1","priority":5,"volumes":[{"name":"tmp","emptyDir":{}}],"containers":[{"name":"a","resources":{"requests":{"cpu":"250m","memory":"64Mi"}}}]},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}""";

        var fromModel = KubeFacts.Pod(KubernetesJson.Deserialize<V1Pod>(json));
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        reader.Read();
        var fromJson = PodReader.Read(ref reader, new StringPool());

        Assert.Equal(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero), fromModel.DeletionTimestamp);
        Assert.Equal(fromJson.DeletionTimestamp, fromModel.DeletionTimestamp);
        Assert.Equal(new Controller("apps/v1", "ReplicaSet", "web-abc"), fromModel.Controller);
        Assert.Equal(new Capacity(250, 64L << 20, 1), fromModel.Requests);
        Assert.True(fromModel is { Uid: "u-1", Priority: 5, HasEmptyDir: true, Ready: true, IsMirror: false, NodeName: "w-1" });
        Assert.Equal("web", fromModel.Labels["app"]);
    }

    private static Probe Read(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        reader.Read();
        var probe = default(Probe);
        Table.Read(ref reader, ref probe);
        return probe;
    }

    private static void AddItem(ref Probe outer, ref Probe item) => (outer.Items ??= []).Add(item.Name ?? "?");

    private struct Probe
    {
        public string? Name;
        public int? Size;
        public bool Flag;
        public List<string>? Items;
        public string? RawKind;
    }
}
