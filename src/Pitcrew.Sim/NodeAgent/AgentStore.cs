using Pitcrew.Sim.Controllers;
using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.NodeAgent;

/// <summary>The node agent's reads and compare-and-swap writes on the sim's store, as a node's own processes would change the cluster.</summary>
internal sealed class AgentStore(RegistryStore store)
{
    private const int Attempts = 20;

    /// <summary>What the node's etcd mirror pod advertises.</summary>
    public EtcdPodUrls EtcdUrlsOf(string node) => store.EtcdUrlsOf(node);

    public static readonly ApiResource ConfigMaps = ResourceCatalog.Find(string.Empty, "v1", "configmaps")!;

    public async Task<JsonObject?> GetAsync(ApiResource resource, string? ns, string name, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(resource.KeyFor(ns, name), cancellationToken).ConfigureAwait(false);
        return stored is null ? null : JsonNode.Parse(stored.Value)!.AsObject();
    }

    public async Task<IReadOnlyList<JsonObject>> ListAsync(ApiResource resource, string? ns, CancellationToken cancellationToken)
    {
        var prefix = resource.Namespaced && ns is not null ? resource.KeyPrefix + ns + "/" : resource.KeyPrefix;
        var items = new List<JsonObject>();
        string? start = null;
        StoredPage page;
        do
        {
            page = await store.ListAsync(prefix, start, 500, 0, cancellationToken).ConfigureAwait(false);
            items.AddRange(page.Items.Select(i => JsonNode.Parse(i.Value)!.AsObject()));
            start = page.Items.Count > 0 ? page.Items[^1].Key + "\0" : null;
        }
        while (page.More && start is not null);
        return items;
    }

    /// <summary>Applies a change to the object and writes it if nobody changed it meanwhile (else reads again); null when it does not exist.</summary>
    public async Task<JsonObject?> MutateAsync(ApiResource resource, string? ns, string name, Func<JsonObject, bool> change, CancellationToken cancellationToken)
    {
        var key = resource.KeyFor(ns, name);
        for (var attempt = 1; ; attempt++)
        {
            var stored = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (stored is null)
            {
                return null;
            }

            var obj = JsonNode.Parse(stored.Value)!.AsObject();
            if (!change(obj))
            {
                return obj;
            }

            if (resource.TracksGeneration)
            {
                var metadata = ObjectMeta.Metadata(obj);
                metadata["generation"] = ((long?)metadata["generation"] ?? 1) + 1;
            }

            if (await store.UpdateAsync(key, obj, stored.ModRevision, cancellationToken).ConfigureAwait(false) is not null)
            {
                return obj;
            }

            if (attempt == Attempts)
            {
                throw new InvalidOperationException($"{key} kept changing while the node agent wrote it");
            }
        }
    }

    /// <summary>Removes a mirror pod at once, as the kubelet does when its static pod's manifest goes away or changes.</summary>
    public async Task DeleteNowAsync(ApiResource resource, string? ns, string name, CancellationToken cancellationToken)
    {
        var key = resource.KeyFor(ns, name);
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            var stored = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (stored is null || await store.DeleteAsync(key, stored.ModRevision, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    public async Task CreateAsync(ApiResource resource, JsonObject obj, string? ns, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var name = ObjectMeta.PrepareForCreate(obj, resource, ns, now);
        await store.CreateAsync(resource.KeyFor(ns, name), obj, cancellationToken).ConfigureAwait(false);
    }

    public static ApiResource Nodes => Resources.Nodes;

    public static ApiResource Pods => Resources.Pods;
}
