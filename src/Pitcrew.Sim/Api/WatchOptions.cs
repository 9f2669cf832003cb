using Microsoft.AspNetCore.Http;

namespace Pitcrew.Sim.Api;

/// <summary>Where a watch starts and what it sends besides changes, validated as kube-apiserver validates watch options.</summary>
/// <param name="ResourceVersion">The version to watch after; 0 when unset or "0".</param>
/// <param name="SendInitialEvents">sendInitialEvents as given; null when absent.</param>
/// <param name="AllowBookmarks">allowWatchBookmarks=true: periodic BOOKMARK events, and the one ending the initial events.</param>
internal sealed record WatchOptions(long ResourceVersion, bool? SendInitialEvents, bool AllowBookmarks)
{
    private const string NotOlderThan = "NotOlderThan";

    /// <summary>Whether the current state goes first: asked for, or (legacy) no version to start after.</summary>
    public bool InitialEvents => SendInitialEvents ?? ResourceVersion == 0;

    public static WatchOptions Parse(IQueryCollection query)
    {
        string? match = query["resourceVersionMatch"];
        var sendInitialEvents = QueryFlags.ListOption(query, "sendInitialEvents");
        var errors = new List<FieldError>();
        if (sendInitialEvents is not null && match != NotOlderThan)
        {
            errors.Add(FieldError.Forbidden("resourceVersionMatch", $"sendInitialEvents requires setting resourceVersionMatch to {NotOlderThan}"));
        }

        if (!string.IsNullOrEmpty(match))
        {
            if (sendInitialEvents is null)
            {
                errors.Add(FieldError.Forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
            }

            if (match != NotOlderThan)
            {
                errors.Add(new FieldError("resourceVersionMatch", "Unsupported value", $"\"{match}\": supported values: \"{NotOlderThan}\""));
            }
        }

        if (errors.Count > 0)
        {
            throw ApiStatus.Invalid("ListOptions.meta.k8s.io", string.Empty, errors);
        }

        string? version = query["resourceVersion"];
        long rv = 0;
        if (!string.IsNullOrEmpty(version) && (!long.TryParse(version, CultureInfo.InvariantCulture, out rv) || rv < 0))
        {
            throw ApiStatus.BadRequest($"invalid resource version: {version}");
        }

        return new WatchOptions(rv, sendInitialEvents, QueryFlags.IsSet(query, "allowWatchBookmarks"));
    }
}
