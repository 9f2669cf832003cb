using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Pitcrew.Sim.Api;
using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.Controllers;

/// <summary>How controllers change objects: compare-and-swap on the resourceVersion they read, or the API's deletion.</summary>
internal sealed class ObjectWriter(RegistryStore store, Deleter deleter)
{
    /// <summary>Writes the changed object if nobody changed it since it was read; false when someone did (retry next round).</summary>
    public async Task<bool> UpdateAsync(ApiResource resource, JsonObject obj, CancellationToken ct)
    {
        var metadata = ObjectMeta.Metadata(obj);
        var revision = long.Parse((string)metadata["resourceVersion"]!, CultureInfo.InvariantCulture);
        var key = resource.KeyFor((string?)metadata["namespace"], (string)metadata["name"]!);
        var copy = (JsonObject)obj.DeepClone();
        ObjectMeta.Metadata(copy).Remove("resourceVersion");
        return await store.UpdateAsync(key, Encoding.UTF8.GetBytes(copy.ToJsonString()), revision, ct).ConfigureAwait(false) is not null;
    }

    /// <summary>Creates the object as the API would (name from generateName, uid, creation time); its name, or null if taken.</summary>
    public async Task<string?> CreateAsync(ApiResource resource, JsonObject obj, string? ns, DateTimeOffset now, CancellationToken ct)
    {
        var name = ObjectMeta.PrepareForCreate(obj, resource, ns, now);
        return await store.CreateAsync(resource.KeyFor(ns, name), Encoding.UTF8.GetBytes(obj.ToJsonString()), ct).ConfigureAwait(false) is not null ? name : null;
    }

    public async Task DeleteAsync(ApiResource resource, JsonObject obj, long gracePeriodSeconds, CancellationToken ct)
    {
        var metadata = ObjectMeta.Metadata(obj);
        try
        {
            await deleter.DeleteAsync(resource, (string?)metadata["namespace"], (string)metadata["name"]!,
                new DeleteOptions(gracePeriodSeconds, null, (string?)metadata["uid"], null), ct).ConfigureAwait(false);
        }
        catch (ApiStatus e) when (e.Code is 404 or 409)
        {
            // Gone already, or replaced by a new object of the same name: nothing left to do for this one.
        }
    }
}
