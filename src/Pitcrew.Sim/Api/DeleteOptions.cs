using Microsoft.AspNetCore.Http;

namespace Pitcrew.Sim.Api;

/// <summary>metav1.DeleteOptions: from the body when it has one (then the query is ignored), else from the query.</summary>
internal sealed record DeleteOptions(long? GracePeriodSeconds, string? PropagationPolicy, string? PreconditionUid, string? PreconditionResourceVersion)
{
    /// <summary>Whether the deletion is only checked and computed (dryRun=All), never stored.</summary>
    public bool DryRun { get; init; }

    public static async Task<DeleteOptions> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        JsonObject? body = null;
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            body = await JsonNode.ParseAsync(request.Body, cancellationToken: ct).ConfigureAwait(false) as JsonObject;
        }

        var dryRun = DryRunQuery.IsDryRun(request);
        if (body is { Count: > 0 })
        {
            var options = FromJson(body);
            return options with { DryRun = options.DryRun || dryRun };
        }

        return new DeleteOptions(
            long.TryParse(request.Query["gracePeriodSeconds"], CultureInfo.InvariantCulture, out var grace) ? grace : null,
            request.Query["propagationPolicy"].FirstOrDefault(),
            null,
            null)
        { DryRun = dryRun };
    }

    public static DeleteOptions FromJson(JsonObject? body) => new(
        (long?)body?["gracePeriodSeconds"],
        (string?)body?["propagationPolicy"],
        (string?)body?["preconditions"]?["uid"],
        (string?)body?["preconditions"]?["resourceVersion"])
    {
        DryRun = DryRunQuery.IsAll((body?["dryRun"] as JsonArray)?.Select(v => (string?)v)),
    };
}
