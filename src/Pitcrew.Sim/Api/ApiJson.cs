using System.Text.Json;

namespace Pitcrew.Sim.Api;

/// <summary>
/// JSON as kube-apiserver writes it: a property whose value is null is left out, as Go's encoder leaves out an unset
/// optional field (a nil map, slice or pointer with omitempty). Every object the sim stores or serves goes through here,
/// so a controller that copies an absent field (<c>["annotations"] = template["annotations"]</c>) writes no null.
/// </summary>
internal static class ApiJson
{
    /// <summary>The object's UTF-8 JSON without null properties, as it is stored in etcd.</summary>
    public static byte[] Encode(JsonNode node)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, node);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the node, leaving out null properties at every depth (null array elements stay: they are values).</summary>
    public static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (name, value) in obj)
                {
                    if (value is not null)
                    {
                        writer.WritePropertyName(name);
                        Write(writer, value);
                    }
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }
}
