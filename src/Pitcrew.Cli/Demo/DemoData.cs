using System.Text;
using Pitcrew.Etcd;

namespace Pitcrew.Cli.Demo;

/// <summary>Writes a small, Kubernetes-shaped keyspace with history (updates and deletes) into a demo etcd.</summary>
internal static class DemoData
{
    private static readonly string[] Apps = ["web", "api", "worker"];

    public static async Task<int> WriteAsync(string endpoint, CancellationToken cancellationToken)
    {
        using var client = new EtcdEndpointClient(new EtcdConnectionOptions([endpoint], CommandTimeout: TimeSpan.FromSeconds(5)), endpoint);
        var writes = 0;
        async Task Put(string key, string json)
        {
            await client.PutAsync(key, Encoding.UTF8.GetBytes(json), cancellationToken).ConfigureAwait(false);
            writes++;
        }

        foreach (var node in new[] { "cp-1", "worker-1", "worker-2", "worker-3" })
        {
            await Put($"/registry/minions/{node}", $$$"""{"kind":"Node","metadata":{"name":"{{{node}}}"}}""").ConfigureAwait(false);
        }

        foreach (var ns in new[] { "default", "kube-system", "shop" })
        {
            await Put($"/registry/namespaces/{ns}", $$$"""{"kind":"Namespace","metadata":{"name":"{{{ns}}}"}}""").ConfigureAwait(false);
            foreach (var app in Apps)
            {
                await Put($"/registry/deployments/{ns}/{app}", $$$"""{"kind":"Deployment","metadata":{"name":"{{{app}}}"},"spec":{"replicas":3}}""").ConfigureAwait(false);
                await Put($"/registry/services/specs/{ns}/{app}", $$$"""{"kind":"Service","metadata":{"name":"{{{app}}}"}}""").ConfigureAwait(false);
                await Put($"/registry/configmaps/{ns}/{app}-config", $$$"""{"kind":"ConfigMap","data":{"LOG_LEVEL":"info"}}""").ConfigureAwait(false);
                await Put($"/registry/secrets/{ns}/{app}-token", $$$"""{"kind":"Secret","data":{"token":"ZGVtbw=="}}""").ConfigureAwait(false);
                for (var i = 0; i < 3; i++)
                {
                    var pod = $"/registry/pods/{ns}/{app}-{i}";
                    await Put(pod, $$$"""{"kind":"Pod","status":{"phase":"Pending"}}""").ConfigureAwait(false);
                    await Put(pod, $$$"""{"kind":"Pod","status":{"phase":"Running"}}""").ConfigureAwait(false);
                }
            }
        }

        // A rolled pod and a finished job leave history behind: deleted keys the snapshot still records.
        await client.DeleteAsync("/registry/pods/shop/worker-2", cancellationToken).ConfigureAwait(false);
        await Put("/registry/jobs/default/nightly-report", """{"kind":"Job"}""").ConfigureAwait(false);
        await client.DeleteAsync("/registry/jobs/default/nightly-report", cancellationToken).ConfigureAwait(false);
        return writes;
    }
}
