using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Pitcrew.Errors;
using Pitcrew.Sim.Controllers;

namespace Pitcrew.Sim;

/// <summary>Talks to a running sim as its admin, for the sim's own commands (fault injection).</summary>
public sealed class SimClient : IDisposable
{
    private readonly HttpClient _http;

    private SimClient(HttpClient http)
    {
        _http = http;
    }

    public static SimClient Open(string directory)
    {
        var state = SimState.Read(directory);
        var pki = Path.Combine(directory, "pki");
        var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(pki, "ca.crt"));
        using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(pki, "admin.crt"), Path.Combine(pki, "admin.key"));
        var handler = new SocketsHttpHandler();
        handler.SslOptions.ClientCertificates = [X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null)];
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return certificate is not null && chain.Build(new X509Certificate2(certificate));
        };
        return new SimClient(new HttpClient(handler) { BaseAddress = new Uri(state.Url), Timeout = TimeSpan.FromSeconds(30) });
    }

    /// <summary>Applies a fault command to a node; returns the node's faults afterwards.</summary>
    public async Task<IReadOnlySet<string>> SetFaultAsync(string node, string fault, CancellationToken cancellationToken)
    {
        if (!NodeFaults.Names.Contains(fault))
        {
            throw new PitcrewException($"unknown fault \"{fault}\": use one of {string.Join(", ", NodeFaults.Names)}", ExitCodes.Usage);
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
