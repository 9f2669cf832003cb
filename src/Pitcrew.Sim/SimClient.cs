using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Pitcrew.Errors;
using Pitcrew.Sim.Controllers;
using Pitcrew.Tls;

namespace Pitcrew.Sim;

/// <summary>Talks to a running sim as its admin, for the sim's own commands (fault injection).</summary>
public sealed class SimClient : IDisposable
{
    private readonly HttpClient _http;

    private SimClient(HttpClient http)
    {
        _http = http;
    }

    public static SimClient Open(string directory) => new(CreateHttpClient(directory, withCertificate: true));

    /// <summary>An HttpClient for the sim in the directory that trusts its CA and, unless told not to, presents the admin certificate.</summary>
    public static HttpClient CreateHttpClient(string directory, bool withCertificate)
    {
        var state = SimState.Read(directory);
        var pki = Pki.SimPki.LoadOrCreate(Path.Combine(directory, "pki"));
        var ca = pki.LoadCa();
        var handler = new SocketsHttpHandler();
        if (withCertificate)
        {
            handler.SslOptions.ClientCertificates = [pki.LoadAdminCertificate()];
        }

        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && TlsMaterial.IssuedBy(new X509Certificate2(certificate), [ca]);
        return new HttpClient(handler) { BaseAddress = new Uri(state.Url), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Applies a fault command to a node; returns the node's faults afterwards.</summary>
    public async Task<IReadOnlySet<string>> SetFaultAsync(string node, string fault, CancellationToken cancellationToken)
    {
        if (!NodeFaults.IsKnown(fault))
        {
            throw new PitcrewException($"unknown fault \"{fault}\": use one of {string.Join(", ", NodeFaults.Names)} or {NodeFaults.ExecFailPrefix}COMMAND", ExitCodes.Usage);
        }

        try
        {
            var response = await _http.GetAsync($"/api/v1/nodes/{Uri.EscapeDataString(node)}", cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                throw new PitcrewException($"node/{node} not found", ExitCodes.Failed);
            }

            response.EnsureSuccessStatusCode();
            var current = (await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken).ConfigureAwait(false))!;
            var value = NodeFaults.Apply(NodeFaults.Of(current), fault);
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [NodeFaults.Annotation] = value.Length == 0 ? null : value } },
            };
            var content = new StringContent(patch.ToJsonString(), Encoding.UTF8, "application/merge-patch+json");
            var patched = await _http.PatchAsync($"/api/v1/nodes/{Uri.EscapeDataString(node)}", content, cancellationToken).ConfigureAwait(false);
            patched.EnsureSuccessStatusCode();
            return NodeFaults.Of((await patched.Content.ReadFromJsonAsync<JsonObject>(cancellationToken).ConfigureAwait(false))!);
        }
        catch (HttpRequestException e)
        {
            throw new PitcrewException($"cannot reach the simulated cluster: {e.Message}", ExitCodes.Unavailable, e);
        }
    }

    /// <summary>Stops, starts or corrupts the node's stacked etcd member (etcd-stop, etcd-start, etcd-corrupt); returns what the sim says of it.</summary>
    public async Task<string> SetEtcdAsync(string node, string fault, CancellationToken cancellationToken)
    {
        try
        {
            var body = new StringContent(new JsonObject { ["action"] = fault switch { NodeFaults.EtcdStop => "stop", NodeFaults.EtcdCorrupt => "corrupt", _ => "start" } }.ToJsonString(), Encoding.UTF8, "application/json");
            var response = await _http.PostAsync($"/sim/v1/nodes/{Uri.EscapeDataString(node)}/etcd", body, cancellationToken).ConfigureAwait(false);
            var answer = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new PitcrewException((string?)answer?["message"] ?? $"the sim answered {(int)response.StatusCode}", ExitCodes.Failed);
            }

            return (string?)answer?["message"] ?? string.Empty;
        }
        catch (HttpRequestException e)
        {
            throw new PitcrewException($"cannot reach the simulated cluster: {e.Message}", ExitCodes.Unavailable, e);
        }
    }

    /// <summary>GETs an API path as JSON.</summary>
    public async Task<JsonObject> GetAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _http.GetAsync(path, cancellationToken).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken).ConfigureAwait(false))!;
        }
        catch (HttpRequestException e)
        {
            throw new PitcrewException($"cannot reach the simulated cluster: {e.Message}", ExitCodes.Unavailable, e);
        }
    }

    public void Dispose() => _http.Dispose();
}
