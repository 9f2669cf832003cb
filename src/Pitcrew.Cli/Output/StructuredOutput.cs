using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Pitcrew.Cli.Output;

/// <summary>Renders result records as JSON or YAML with camelCase field names.</summary>
internal static class StructuredOutput
{
    /// <summary>Generated metadata first; reflection only for a type someone forgot to register.</summary>
    private static readonly JsonSerializerOptions JsonOptions = new(OutputJsonContext.Default.Options)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(OutputJsonContext.Default, new DefaultJsonTypeInfoResolver()),

        // As kubectl and etcdctl write JSON: 'quotes' and <brackets> as they are, not as \u0027 escapes.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly ISerializer Yaml = new SerializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .DisableAliases()
        .Build();

    public static string Json<T>(T value) => JsonSerializer.Serialize(value, JsonOptions);

    /// <summary>YAML goes through the JSON shape so both formats carry the same fields.</summary>
    public static string ToYaml<T>(T value)
    {
        using var document = JsonDocument.Parse(Json(value));
        return Yaml.Serialize(Plain(document.RootElement));
    }

    /// <summary>Writes a record in the chosen structured format; false for table, which the caller renders.</summary>
    public static bool TryWrite<T>(CliContext context, OutputFormat format, T value)
    {
        switch (format)
        {
            case OutputFormat.Json:
                context.RawOut.WriteLine(Json(value));
                return true;
            case OutputFormat.Yaml:
                context.RawOut.Write(ToYaml(value));
                return true;
            default:
                return false;
        }
    }

    private static object? Plain(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => Plain(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Select(Plain).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var l) ? l : element.TryGetUInt64(out var u) ? u : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
