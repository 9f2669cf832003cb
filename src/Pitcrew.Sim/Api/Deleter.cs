using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.Api;

/// <summary>
/// Deletion as kube-apiserver does it: graceful for pods (deletionTimestamp, later confirmed with grace 0 by the kubelet),
/// held by finalizers, preconditions checked, immediate otherwise.
/// </summary>
internal sealed class Deleter(RegistryStore store, TimeProvider time)
{
    private const long DefaultPodGraceSeconds = 30;
    private const int Attempts = 5;

    /// <summary>Deletes or marks for deletion; returns the object as last stored (with its deletion fields when kept).</summary>
    public async Task<JsonObject> DeleteAsync(ApiResource resource, string? ns, string name, DeleteOptions options, CancellationToken ct)
    {
        var key = resource.KeyFor(ns, name);
        for (var attempt = 1; ; attempt++)
        {
            var current = await store.GetAsync(key, ct).ConfigureAwait(false) ?? throw ApiStatus.NotFound(resource, name);
            var obj = JsonNode.Parse(current.Value)!.AsObject();
            CheckPreconditions(resource, name, obj, current.ModRevision, options);
            var metadata = ObjectMeta.Metadata(obj);
            var grace = GracePeriod(resource, obj, options);
            var finalizers = (metadata["finalizers"] as JsonArray)?.Count ?? 0;
            var terminating = metadata["deletionTimestamp"] is not null;
            if (finalizers > 0 || grace > 0)
            {
                if (terminating && (long?)metadata["deletionGracePeriodSeconds"] is { } before && grace >= before)
                {
                    // Already terminating at least this soon: nothing to change.
                    ObjectMeta.SetResourceVersion(obj, current.ModRevision);
                    return obj;
                }

                metadata["deletionTimestamp"] = ObjectMeta.Timestamp(time.GetUtcNow().AddSeconds(grace));
                metadata["deletionGracePeriodSeconds"] = grace;
                if (options.DryRun)
                {
                    ObjectMeta.SetResourceVersion(obj, current.ModRevision);
                    return obj;
                }

                var revision = await store.UpdateAsync(key, obj, current.ModRevision, ct).ConfigureAwait(false);
                if (revision is { } written)
                {
                    ObjectMeta.SetResourceVersion(obj, written);
                    return obj;
                }

                if (attempt == Attempts)
                {
                    throw ApiStatus.Conflict(resource, name, "the object was modified during deletion");
                }

                continue;
            }

            if (options.DryRun || await store.DeleteAsync(key, current.ModRevision, ct).ConfigureAwait(false))
            {
                ObjectMeta.SetResourceVersion(obj, current.ModRevision);
                return obj;
            }

            if (attempt == Attempts)
            {
                throw ApiStatus.Conflict(resource, name, "the object was modified during deletion");
            }
        }
    }

    /// <summary>An update removed the last finalizer of an object being deleted: it goes now.</summary>
    public static bool ShouldRemoveAfterUpdate(JsonObject updated)
    {
        var metadata = ObjectMeta.Metadata(updated);
        return metadata["deletionTimestamp"] is not null
            && ((metadata["finalizers"] as JsonArray)?.Count ?? 0) == 0
            && ((long?)metadata["deletionGracePeriodSeconds"] ?? 0) == 0;
    }

    private static long GracePeriod(ApiResource resource, JsonObject obj, DeleteOptions options)
    {
        if (resource.Name != "pods")
        {
            return 0;
        }

        var phase = (string?)obj["status"]?["phase"];
        if (obj["spec"]?["nodeName"] is null || phase is "Succeeded" or "Failed")
        {
            return 0;
        }

        var grace = options.GracePeriodSeconds ?? (long?)obj["spec"]?["terminationGracePeriodSeconds"] ?? DefaultPodGraceSeconds;
        return grace < 0 ? 1 : grace;
    }

    private static void CheckPreconditions(ApiResource resource, string name, JsonObject obj, long revision, DeleteOptions options)
    {
        var uid = (string?)ObjectMeta.Metadata(obj)["uid"];
        if (options.PreconditionUid is { } wantedUid && wantedUid != uid)
        {
            throw ApiStatus.Conflict(resource, name, $"Precondition failed: UID in precondition: {wantedUid}, UID in object meta: {uid}");
        }

        if (options.PreconditionResourceVersion is { } wantedVersion && wantedVersion != revision.ToString(CultureInfo.InvariantCulture))
        {
            throw ApiStatus.Conflict(resource, name,
                $"Precondition failed: ResourceVersion in precondition: {wantedVersion}, ResourceVersion in object meta: {revision}");
        }
    }
}
