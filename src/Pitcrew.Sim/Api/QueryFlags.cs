using Microsoft.AspNetCore.Http;

namespace Pitcrew.Sim.Api;

/// <summary>
/// Boolean query parameters, read as kube-apiserver reads them. The ListOptions flags (watch, allowWatchBookmarks,
/// sendInitialEvents) go through apimachinery's query conversion: absent is unset, "0" or "false" in any case is false,
/// any other value (True, 1, t, yes, even an empty value) is true, and none is an error. pretty is read with Go's
/// strconv.ParseBool, a value it cannot parse meaning false; without it curl, Wget and browsers get indented JSON.
/// </summary>
internal static class QueryFlags
{
    /// <summary>A ListOptions flag: null when absent, else the first value's meaning.</summary>
    public static bool? ListOption(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && values.Count > 0 ? ListOptionValue(values[0]) : null;

    /// <summary>A ListOptions flag that is false when absent.</summary>
    public static bool IsSet(IQueryCollection query, string name) => ListOption(query, name) ?? false;

    /// <summary>One value of a ListOptions flag: false only for "0" and "false" (any case).</summary>
    public static bool ListOptionValue(string? value) => value != "0" && !string.Equals(value, "false", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the JSON answer is indented: pretty as strconv.ParseBool reads it, else by the client's user agent.</summary>
    public static bool Pretty(HttpRequest request)
    {
        if (request.Query["pretty"] is [{ Length: > 0 } pretty, ..])
        {
            return ParseBool(pretty) ?? false;
        }

        var agent = request.Headers.UserAgent.ToString();
        return agent.StartsWith("curl", StringComparison.Ordinal) || agent.StartsWith("Wget", StringComparison.Ordinal)
            || agent.StartsWith("Mozilla/5.0", StringComparison.Ordinal);
    }

    /// <summary>Go's strconv.ParseBool: 1 t T TRUE true True, 0 f F FALSE false False; null for anything else.</summary>
    public static bool? ParseBool(string value) => value switch
    {
        "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
        "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
        _ => null,
    };
}
