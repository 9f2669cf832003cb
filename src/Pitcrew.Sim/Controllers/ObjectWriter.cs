using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.Controllers;

/// <summary>
/// How controllers change objects: compare-and-swap on the resourceVersion they read, or the API's deletion. Each call
/// reads and serializes the object before its first await, so a controller may start many writes from one loop and
/// await them together; at most <see cref="Parallelism"/> are in flight against etcd at once.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "A SemaphoreSlim only holds an OS handle once AvailableWaitHandle is read; this one never is.")]
internal sealed class ObjectWriter(RegistryStore store, Deleter deleter)
{
    private const int Parallelism = 48;
    private readonly SemaphoreSlim _gate = new(Parallelism, Parallelism);

    /// <summary>Writes a copy of the object with this status when its status differs; a completed task when it does not.</summary>
    public Task UpdateStatusAsync(ApiResource resource, JsonObject obj, JsonObject status, CancellationToken ct)
    {
        if (JsonNode.DeepEquals(obj["status"], status))
        {
            return Task.CompletedTask;
        }

        var copy = ClusterCache.Copy(obj);
        copy["status"] = status;
        return UpdateAsync(resource, copy, ct);
    }

    /// <summary>Writes the changed object if nobody changed it since it was read; false when someone did (retry next round).</summary>
    public async Task<bool> UpdateAsync(ApiResource resource, JsonObject obj, CancellationToken ct)
    {
        var metadata = ObjectMeta.Metadata(obj);
        var revision = long.Parse((string)metadata["resourceVersion"]!, CultureInfo.InvariantCulture);
        var key = resource.KeyFor((string?)metadata["namespace"], (string)metadata["name"]!);
        var copy = (JsonObject)obj.DeepClone();
        ObjectMeta.Metadata(copy).Remove("resourceVersion");
        var value = ApiJson.Encode(copy);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await store.UpdateAsync(key, value, revision, ct).ConfigureAwait(false) is not null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Creates the object as the API would (name from generateName, uid, creation time); its name, or null if taken.</summary>
    public async Task<string?> CreateAsync(ApiResource resource, JsonObject obj, string? ns, DateTimeOffset now, CancellationToken ct)
    {
        var name = ObjectMeta.PrepareForCreate(obj, resource, ns, now);
        var value = ApiJson.Encode(obj);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await store.CreateAsync(resource.KeyFor(ns, name), value, ct).ConfigureAwait(false) is not null ? name : null;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task DeleteAsync(ApiResource resource, JsonObject obj, long gracePeriodSeconds, CancellationToken ct)
    {
        var metadata = ObjectMeta.Metadata(obj);
        var (ns, name, uid) = ((string?)metadata["namespace"], (string)metadata["name"]!, (string?)metadata["uid"]);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await deleter.DeleteAsync(resource, ns, name, new DeleteOptions(gracePeriodSeconds, null, uid, null), ct).ConfigureAwait(false);
        }
        catch (ApiStatus e) when (e.Code is 404 or 409)
        {
            // Gone already, or replaced by a new object of the same name: nothing left to do for this one.
        }
        finally
        {
            _gate.Release();
        }
    }
}
