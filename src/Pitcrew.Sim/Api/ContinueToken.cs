using System.Text;

namespace Pitcrew.Sim.Api;

/// <summary>kube-apiserver's continue token: base64url of {"v":"meta.k8s.io/v1","rv":N,"start":"key-after-prefix\u0000"}.</summary>
internal static class ContinueToken
{
    public static string Encode(long revision, string keyAfterPrefix)
    {
        var json = new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = revision, ["start"] = keyAfterPrefix + "\0" }.ToJsonString();
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static (long Revision, string Start) Decode(string token)
    {
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            base64 += new string('=', (4 - (base64.Length % 4)) % 4);
            var json = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(base64)))!;
            return ((long)json["rv"]!, (string)json["start"]!);
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or NullReferenceException or InvalidOperationException)
        {
            throw ApiStatus.BadRequest("continue key is not valid: " + e.Message);
        }
    }
}
