namespace Pitcrew.Etcd;

/// <summary>How to reach etcd, with etcdctl's flags and defaults.</summary>
/// <param name="Endpoints">Client URLs; a bare host:port gets https when TLS material is given, else http.</param>
/// <param name="CommandTimeout">Per-request deadline; null means none (etcdctl's snapshot default).</param>
public sealed record EtcdConnectionOptions(
    IReadOnlyList<string> Endpoints,
    string? CaCert = null,
    string? Cert = null,
    string? Key = null,
    string? User = null,
    string? Password = null,
    TimeSpan? DialTimeout = null,
    TimeSpan? CommandTimeout = null,
    bool InsecureSkipTlsVerify = false)
{
    public static readonly TimeSpan DefaultDialTimeout = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(5);
    public const string DefaultEndpoint = "127.0.0.1:2379";

    public bool HasTlsMaterial => CaCert is not null || Cert is not null || Key is not null || InsecureSkipTlsVerify;

    /// <summary>The endpoint as a full URL with scheme.</summary>
    public Uri EndpointUri(string endpoint)
    {
        var withScheme = endpoint.Contains("://", StringComparison.Ordinal)
            ? endpoint
            : (HasTlsMaterial ? "https://" : "http://") + endpoint;
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
        {
            throw new Errors.PitcrewException($"invalid endpoint \"{endpoint}\": want http(s)://host:port", Errors.ExitCodes.Usage);
        }

        return uri;
    }
}
