namespace Pitcrew.Sim.Controllers;

/// <summary>Small edits of a node's conditions and taints, keeping transition times honest.</summary>
internal static class NodeConditions
{
    /// <summary>Sets a condition; returns whether anything changed.</summary>
    public static bool Set(JsonObject node, string type, string status, string reason, string message, DateTimeOffset now)
    {
        var conditions = node["status"]?["conditions"] as JsonArray;
        if (conditions is null)
        {
            return false;
        }

        var condition = conditions.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == type);
        if (condition is null)
        {
            condition = new JsonObject { ["type"] = type };
            conditions.Add(condition);
        }

        if ((string?)condition["status"] == status && (string?)condition["reason"] == reason)
        {
            return false;
        }

        var stamp = ObjectMeta.Timestamp(now);
        condition["status"] = status;
        condition["reason"] = reason;
        condition["message"] = message;
        condition["lastTransitionTime"] = stamp;
        condition["lastHeartbeatTime"] = stamp;
        return true;
    }

    /// <summary>Adds or removes a taint; returns whether anything changed.</summary>
    public static bool SetTaint(JsonObject node, string key, string effect, bool present, DateTimeOffset now)
    {
        var spec = node["spec"] as JsonObject ?? [];
        node["spec"] = spec;
        var taints = spec["taints"] as JsonArray ?? [];
        var existing = taints.OfType<JsonObject>().FirstOrDefault(t => (string?)t["key"] == key && (string?)t["effect"] == effect);
        if (present == existing is not null)
        {
            return false;
        }

        if (present)
        {
            taints.Add(new JsonObject { ["key"] = key, ["effect"] = effect, ["timeAdded"] = ObjectMeta.Timestamp(now) });
        }
        else
        {
            taints.Remove(existing);
        }

        if (taints.Count == 0)
        {
            spec.Remove("taints");
        }
        else
        {
            spec["taints"] = taints;
        }

        return true;
    }
}
