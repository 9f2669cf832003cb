namespace Pitcrew.Restore;

/// <summary>Parses peer URLs the way etcd's types.NewURLs does: http(s)/unix(s), host:port, no path; sorted.</summary>
internal static class PeerUrls
{
    private static readonly string[] Schemes = ["http", "https", "unix", "unixs"];

    /// <summary>Parses a comma-separated list; returns the problem instead when one URL is invalid.</summary>
    public static (IReadOnlyList<string> Urls, string? Problem) ParseList(string text)
    {
        var urls = new List<string>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var (url, problem) = Parse(part);
            if (problem is not null)
            {
                return ([], problem);
            }

            urls.Add(url!);
        }

        if (urls.Count == 0)
        {
            return ([], "no URL given");
        }

        urls.Sort(StringComparer.Ordinal);
        return (urls, null);
    }

    /// <summary>Normalises one URL as Go's url.URL.String() prints it for a scheme://host:port URL.</summary>
    public static (string? Url, string? Problem) Parse(string text)
    {
        var trimmed = text.Trim();
        var sep = trimmed.IndexOf("://", StringComparison.Ordinal);
        if (sep <= 0)
        {
            return (null, $"\"{trimmed}\": URL scheme must be http, https, unix, or unixs");
        }

        var scheme = trimmed[..sep].ToLowerInvariant();
        if (!Schemes.Contains(scheme))
        {
            return (null, $"\"{trimmed}\": URL scheme must be http, https, unix, or unixs");
        }

        var rest = trimmed[(sep + 3)..];
        var slash = rest.IndexOfAny(['/', '?', '#']);
        if (slash >= 0)
        {
            return (null, $"\"{trimmed}\": URL must not contain a path");
        }

        var colon = rest.LastIndexOf(':');
        var closeBracket = rest.LastIndexOf(']');
        if (colon <= 0 || colon < closeBracket || colon == rest.Length - 1 || !rest[(colon + 1)..].All(char.IsAsciiDigit))
        {
            return (null, $"\"{trimmed}\": URL address does not have the form \"host:port\"");
        }

        return ($"{scheme}://{rest}", null);
    }
}
