using System.Collections.Concurrent;
using System.Text;

namespace Pitcrew.Sim.Api;

/// <summary>Requests served, by verb, resource and client, in Prometheus text format at /metrics (to compare tools' API load).</summary>
internal sealed class RequestMetrics
{
    private readonly ConcurrentDictionary<(string Verb, string Resource, string Client), long> _counts = new();

    public void Count(string method, ApiPath path, bool watch, string? userAgent)
    {
        var verb = (method, path.Name, watch) switch
        {
            ("GET", null, true) => "WATCH",
            ("GET", null, false) => "LIST",
            ("POST", _, _) => "CREATE",
            ("PUT", _, _) => "UPDATE",
            _ => method,
        };
        var resource = path.Subresource is null ? path.Resource.Name : $"{path.Resource.Name}/{path.Subresource}";
        _counts.AddOrUpdate((verb, resource, Client(userAgent)), 1, (_, n) => n + 1);
    }

    public string Render()
    {
        var text = new StringBuilder();
        text.Append("# HELP apiserver_request_total Requests served by the simulated API server.\n");
        text.Append("# TYPE apiserver_request_total counter\n");
        foreach (var ((verb, resource, client), count) in _counts.OrderBy(p => p.Key))
        {
            text.Append(CultureInfo.InvariantCulture, $"apiserver_request_total{{verb=\"{verb}\",resource=\"{resource}\",client=\"{client}\"}} {count}\n");
        }

        return text.ToString();
    }

    /// <summary>The client's product name from its User-Agent (kubectl, kubernetes-csharp, ...).</summary>
    private static string Client(string? userAgent)
    {
        var product = (userAgent ?? "unknown").Split(' ', '/')[0];
        return product.Length == 0 ? "unknown" : product.Replace("\"", string.Empty, StringComparison.Ordinal);
    }
}
