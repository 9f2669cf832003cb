using System.Text;
using System.Text.Json.Nodes;
using Pitcrew.Sim.Api;

namespace Pitcrew.Sim.Tests;

public sealed class ServedJsonTests
{
    [Theory]
    [InlineData("""{"metadata":{"name":"a","namespace":"n","labels":{"app":"x"}},"spec":{"nodeName":"w-1"},"kind":"Pod","apiVersion":"v1"}""")]
    [InlineData("""{"kind":"Pod","apiVersion":"v1","spec":{"containers":[{"name":"c","args":["{\"metadata\":{}}"]}]},"metadata":{"name":"a"}}""")]
    [InlineData("""{"metadata":{},"kind":"Namespace"}""")]
    [InlineData(""" { "metadata" : { "name" : "spaced" } } """)]
    public void WithResourceVersion_GivesWhatParsingAndSettingItGives(string stored)
    {
        var spliced = ServedJson.WithResourceVersion(Encoding.UTF8.GetBytes(stored), 4711);
        Assert.NotNull(spliced);
        var expected = JsonNode.Parse(stored)!.AsObject();
        ObjectMeta.SetResourceVersion(expected, 4711);
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(spliced)), Encoding.UTF8.GetString(spliced));
    }

    [Theory]
    [InlineData("""{"metadata":{"name":"a","resourceVersion":"3"}}""")]
    [InlineData("""{"metadata":"not an object"}""")]
    [InlineData("""{"kind":"Pod"}""")]
    [InlineData("""[1,2]""")]
    public void WithResourceVersion_WhatItCannotSpliceSafely_IsLeftToTheSlowWay(string stored)
    {
        Assert.Null(ServedJson.WithResourceVersion(Encoding.UTF8.GetBytes(stored), 7));
    }

    [Fact]
    public void RequiredValues_OnlyPlainEqualities()
    {
        var values = ServedJson.RequiredValues("app=web,tier!=db,!legacy,env,team==core,odd=a+b", "type=Warning,spec.unschedulable=false,spec.nodeName=,status.phase!=Running");
        Assert.Equal(["web", "core", "Warning"], values.Select(v => Encoding.UTF8.GetString(v)));
    }

    [Fact]
    public void MayMatch_RulesOutObjectsWithoutTheValue()
    {
        var required = ServedJson.RequiredValues(null, "type=Warning");
        Assert.True(ServedJson.MayMatch("""{"type":"Warning","reason":"BackOff"}"""u8.ToArray(), required));
        Assert.False(ServedJson.MayMatch("""{"type":"Normal","reason":"Pulled"}"""u8.ToArray(), required));
        Assert.True(ServedJson.MayMatch("""{"type":"Normal"}"""u8.ToArray(), ServedJson.RequiredValues(null, null)));
    }
}
