using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pitcrew.Cli.Output;

/// <summary>Writes durations in JSON and YAML output as etcdctl and kubectl do ("141ms", "5m0s"), not as .NET TimeSpans.</summary>
internal sealed class GoDurationJsonConverter : JsonConverter<TimeSpan>
{
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        GoDuration.TryParse(reader.GetString() ?? string.Empty, out var duration, daysAndWeeks: true)
            ? duration
            : throw new JsonException($"\"{reader.GetString()}\" is not a duration such as 5s or 1m30s");

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
        writer.WriteStringValue(GoDuration.Format(value));
}
