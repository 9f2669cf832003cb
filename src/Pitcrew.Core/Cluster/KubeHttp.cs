using System.Net.Http.Headers;
using k8s;

namespace Pitcrew.Cluster;

/// <summary>
/// A raw HttpClient for paths the official client has no method for (/metrics, the sim's node agent), sharing the
/// client's TLS handler (CA, client certificate) and bearer token.
/// </summary>
internal sealed class KubeHttp : IDisposable
{
    private readonly Kubernetes _client;

    private KubeHttp(Kubernetes client, HttpClient http)
    {
        _client = client;
        Http = http;
    }

    public HttpClient Http { get; }

    public Kubernetes Client => _client;

    public static KubeHttp Connect(KubernetesClientConfiguration configuration)
    {
        // The official client builds the TLS handler and chains ours in front of it; our HttpClient sends through both.
        configuration.UserAgent = KubeAccess.UserAgent;
        var front = new PassThrough();
        var client = new Kubernetes(configuration, front);
        var http = new HttpClient(front, disposeHandler: false) { BaseAddress = client.BaseUri, Timeout = Timeout.InfiniteTimeSpan };
        if (!string.IsNullOrEmpty(configuration.AccessToken))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", configuration.AccessToken);
        }

        return new KubeHttp(client, http);
    }

    public void Dispose()
    {
        Http.Dispose();
        _client.Dispose();
    }

    private sealed class PassThrough : DelegatingHandler;
}
