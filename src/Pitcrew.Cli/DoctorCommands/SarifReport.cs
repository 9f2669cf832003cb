using System.Text.Json;
using System.Text.Json.Nodes;
using Pitcrew.Doctor;

namespace Pitcrew.Cli.DoctorCommands;

/// <summary>SARIF 2.1.0 for CI code-scanning views: one rule per check id, one result per finding, the object as a logical location.</summary>
internal static class SarifReport
{
    public const string SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Render(DoctorReport report)
    {
        var rules = new JsonArray([.. report.Findings.GroupBy(f => f.Id, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (JsonNode)new JsonObject
        {
            ["id"] = g.Key,
            ["name"] = g.Key,
            ["shortDescription"] = new JsonObject { ["text"] = g.First().Symptom },
            ["help"] = new JsonObject { ["text"] = g.First().Remedy },
            ["defaultConfiguration"] = new JsonObject { ["level"] = Level(g.Max(f => f.Severity)) },
        })]);
        var results = new JsonArray([.. report.Findings.Select(f => (JsonNode)new JsonObject
        {
            ["ruleId"] = f.Id,
            ["level"] = Level(f.Severity),
            ["message"] = new JsonObject { ["text"] = $"{f.Object.Ref}: {f.Symptom}. Cause: {f.Cause}. Remedy: {f.Remedy}" },
            ["locations"] = new JsonArray(new JsonObject
            {
                ["logicalLocations"] = new JsonArray(new JsonObject
                {
                    ["name"] = f.Object.Name,
                    ["fullyQualifiedName"] = f.Object.Ref,
                    ["kind"] = f.Object.Kind.ToLowerInvariant(),
                }),
            }),
            ["partialFingerprints"] = new JsonObject { ["pitcrewFinding/v1"] = f.Key },
            ["properties"] = new JsonObject
            {
                ["severity"] = f.Severity.ToString().ToLowerInvariant(),
                ["cause"] = f.Cause,
                ["evidence"] = new JsonArray([.. f.Evidence.Select(e => (JsonNode)JsonValue.Create(e)!)]),
                ["remedy"] = f.Remedy,
            },
        })]);
        var sarif = new JsonObject
        {
            ["$schema"] = SchemaUri,
            ["version"] = "2.1.0",
            ["runs"] = new JsonArray(new JsonObject
            {
                ["tool"] = new JsonObject
                {
                    ["driver"] = new JsonObject
                    {
                        ["name"] = "pitcrew doctor",
                        ["semanticVersion"] = Cluster.KubeAccess.UserAgent.Split('/')[1],
                        ["rules"] = rules,
                    },
                },
                ["results"] = results,
                ["properties"] = new JsonObject { ["scope"] = report.Scope, ["notes"] = new JsonArray([.. report.Notes.Select(n => (JsonNode)JsonValue.Create(n)!)]) },
            }),
        };
        return sarif.ToJsonString(Indented);
    }

    private static string Level(Severity severity) => severity switch
    {
        Severity.Critical => "error",
        Severity.Warning => "warning",
        _ => "note",
    };
}
