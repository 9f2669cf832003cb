namespace Pitcrew.Sim.Api;

/// <summary>meta.k8s.io/v1 Table renderings, so kubectl get prints the columns operators know.</summary>
internal static class Tables
{
    public static bool Wanted(string? accept) => accept is not null && accept.Contains("as=Table", StringComparison.Ordinal);

    public static JsonObject Build(ApiResource resource, IReadOnlyList<JsonObject> objects, JsonObject listMetadata, string? includeObject, DateTimeOffset now)
    {
        var (columns, cells) = Shape(resource, now);
        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            rows.Add(Row(cells, obj, includeObject));
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = listMetadata.DeepClone(),
            ["columnDefinitions"] = new JsonArray([.. columns.Select(c => (JsonNode?)c.DeepClone())]),
            ["rows"] = rows,
        };
    }

    /// <summary>The column definitions of the resource's table and the function that fills one row's cells.</summary>
    public static (JsonObject[] Columns, Func<JsonObject, JsonNode?[]> Cells) Shape(ApiResource resource, DateTimeOffset now)
    {
        return resource.Name switch
        {
            "nodes" => (NodeColumns, (Func<JsonObject, JsonNode?[]>)(o => NodeCells(o, now))),
            "pods" => (PodColumns, o => PodCells(o, now)),
            "deployments" => (DeploymentColumns, o =>
                [ObjectMeta.Name(o), $"{Int(o, "readyReplicas")}/{Spec(o, "replicas", 1)}", Int(o, "updatedReplicas"), Int(o, "availableReplicas"), Age(o, now),
                 .. Wide(o, withSelector: true)]),
            "replicasets" => (ReplicaSetColumns, o =>
                [ObjectMeta.Name(o), Spec(o, "replicas", 1), Int(o, "replicas"), Int(o, "readyReplicas"), Age(o, now), .. Wide(o, withSelector: true)]),
            "daemonsets" => (DaemonSetColumns, o =>
                [ObjectMeta.Name(o), Int(o, "desiredNumberScheduled"), Int(o, "currentNumberScheduled"), Int(o, "numberReady"),
                 Int(o, "updatedNumberScheduled"), Int(o, "numberAvailable"), Selector(o), Age(o, now), .. Wide(o, withSelector: true)]),
            "statefulsets" => (StatefulSetColumns, o =>
                [ObjectMeta.Name(o), $"{Int(o, "readyReplicas")}/{Spec(o, "replicas", 1)}", Age(o, now), .. Wide(o, withSelector: false)]),
            "jobs" => (JobColumns, o => JobCells(o, now)),
            "poddisruptionbudgets" => (BudgetColumns, o =>
                [ObjectMeta.Name(o), IntOrString(o["spec"]?["minAvailable"]), IntOrString(o["spec"]?["maxUnavailable"]), Int(o, "disruptionsAllowed"), Age(o, now)]),
            "events" => (EventColumns, o => EventCells(o, now)),
            _ => (DefaultColumns, o => [ObjectMeta.Name(o), Age(o, now)]),
        };
    }

    /// <summary>One table row: the cells, and the object as includeObject asks (metadata only by default).</summary>
    public static JsonObject Row(Func<JsonObject, JsonNode?[]> cells, JsonObject obj, string? includeObject)
    {
        var row = new JsonObject { ["cells"] = new JsonArray(cells(obj)) };
        switch (includeObject)
        {
            case "None":
                break;
            case "Object":
                row["object"] = obj.DeepClone();
                break;
            default:
                row["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = ObjectMeta.Metadata(obj).DeepClone(),
                };
                break;
        }

        return row;
    }

    private static readonly JsonObject[] DefaultColumns = [Column("Name", "string", "name", 0), Column("Age", "string", "", 0)];

    private static readonly JsonObject[] NodeColumns =
    [
        Column("Name", "string", "name", 0), Column("Status", "string", "", 0), Column("Roles", "string", "", 0),
        Column("Age", "string", "", 0), Column("Version", "string", "", 0), Column("Internal-IP", "string", "", 1),
        Column("External-IP", "string", "", 1), Column("OS-Image", "string", "", 1), Column("Kernel-Version", "string", "", 1),
        Column("Container-Runtime", "string", "", 1),
    ];

    private static readonly JsonObject[] PodColumns =
    [
        Column("Name", "string", "name", 0), Column("Ready", "string", "", 0), Column("Status", "string", "", 0),
        Column("Restarts", "string", "", 0), Column("Age", "string", "", 0), Column("IP", "string", "", 1),
        Column("Node", "string", "", 1), Column("Nominated Node", "string", "", 1), Column("Readiness Gates", "string", "", 1),
    ];

    private static readonly JsonObject[] DeploymentColumns =
    [
        Column("Name", "string", "name", 0), Column("Ready", "string", "", 0), Column("Up-to-date", "integer", "", 0),
        Column("Available", "integer", "", 0), Column("Age", "string", "", 0), .. WideColumns(withSelector: true),
    ];

    private static readonly JsonObject[] ReplicaSetColumns =
    [
        Column("Name", "string", "name", 0), Column("Desired", "integer", "", 0), Column("Current", "integer", "", 0),
        Column("Ready", "integer", "", 0), Column("Age", "string", "", 0), .. WideColumns(withSelector: true),
    ];

    private static readonly JsonObject[] DaemonSetColumns =
    [
        Column("Name", "string", "name", 0), Column("Desired", "integer", "", 0), Column("Current", "integer", "", 0),
        Column("Ready", "integer", "", 0), Column("Up-to-date", "integer", "", 0), Column("Available", "integer", "", 0),
        Column("Node Selector", "string", "", 0), Column("Age", "string", "", 0), .. WideColumns(withSelector: true),
    ];

    private static readonly JsonObject[] StatefulSetColumns =
    [
        Column("Name", "string", "name", 0), Column("Ready", "string", "", 0), Column("Age", "string", "", 0), .. WideColumns(withSelector: false),
    ];

    private static readonly JsonObject[] JobColumns =
    [
        Column("Name", "string", "name", 0), Column("Status", "string", "", 0), Column("Completions", "string", "", 0),
        Column("Duration", "string", "", 0), Column("Age", "string", "", 0), .. WideColumns(withSelector: true),
    ];

    /// <summary>The columns -o wide adds to workloads (priority 1): their pod template's containers and images, and the selector.</summary>
    private static JsonObject[] WideColumns(bool withSelector) =>
        withSelector
            ? [Column("Containers", "string", "", 1), Column("Images", "string", "", 1), Column("Selector", "string", "", 1)]
            : [Column("Containers", "string", "", 1), Column("Images", "string", "", 1)];

    /// <summary>The cells of <see cref="WideColumns"/>: container names and images joined by commas, the selector's labels as k=v.</summary>
    private static JsonNode?[] Wide(JsonObject workload, bool withSelector)
    {
        var containers = (workload["spec"]?["template"]?["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        JsonNode?[] cells = [string.Join(',', containers.Select(c => (string?)c["name"])), string.Join(',', containers.Select(c => (string?)c["image"]))];
        if (!withSelector)
        {
            return cells;
        }

        var selector = (workload["spec"]?["selector"]?["matchLabels"] as JsonObject)?.Select(p => $"{p.Key}={p.Value}").ToList() ?? [];
        return [.. cells, selector.Count == 0 ? "<none>" : string.Join(',', selector)];
    }

    private static readonly JsonObject[] BudgetColumns =
    [
        Column("Name", "string", "name", 0), Column("Min Available", "string", "", 0), Column("Max Unavailable", "string", "", 0),
        Column("Allowed Disruptions", "integer", "", 0), Column("Age", "string", "", 0),
    ];

    private static readonly JsonObject[] EventColumns =
    [
        Column("Last Seen", "string", "", 0), Column("Type", "string", "", 0), Column("Reason", "string", "", 0),
        Column("Object", "string", "", 0), Column("Message", "string", "", 0),
    ];

    private static JsonNode?[] EventCells(JsonObject e, DateTimeOffset now)
    {
        var last = (string?)e["lastTimestamp"] ?? (string?)e["deprecatedLastTimestamp"] ?? (string?)e["firstTimestamp"]
            ?? (string?)e["deprecatedFirstTimestamp"] ?? (string?)e["eventTime"];
        var seen = last is not null && DateTimeOffset.TryParse(last, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? HumanDuration(now - at)
            : "<unknown>";
        var involved = e["involvedObject"] ?? e["regarding"];
        return
        [
            seen, (string?)e["type"] ?? string.Empty, (string?)e["reason"] ?? string.Empty,
            $"{((string?)involved?["kind"] ?? string.Empty).ToLowerInvariant()}/{(string?)involved?["name"]}",
            (string?)e["message"] ?? (string?)e["note"] ?? string.Empty,
        ];
    }

    /// <summary>kubectl's job columns: Complete, Failed, Terminating, Suspended or Running; succeeded/completions; run time so far.</summary>
    private static JsonNode?[] JobCells(JsonObject job, DateTimeOffset now)
    {
        bool Has(string type) =>
            (job["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().Any(c => (string?)c["type"] == type && (string?)c["status"] == "True") ?? false;
        var state = Has("Complete") ? "Complete"
            : Has("Failed") ? "Failed"
            : ObjectMeta.Metadata(job)["deletionTimestamp"] is not null ? "Terminating"
            : Has("Suspended") ? "Suspended"
            : Has("FailureTarget") ? "FailureTarget"
            : "Running";
        var succeeded = Int(job, "succeeded");
        var completions = job["spec"]?["completions"] is { } total
            ? $"{succeeded}/{(long)total}"
            : $"{succeeded}/1 of {Spec(job, "parallelism", 1)}";
        var started = Time((string?)job["status"]?["startTime"]);
        var ended = Time((string?)job["status"]?["completionTime"]) ?? now;
        return
        [
            ObjectMeta.Name(job), state, completions, started is { } at ? HumanDuration(ended - at) : string.Empty, Age(job, now), .. Wide(job, withSelector: true),
        ];
    }

    private static DateTimeOffset? Time(string? text) =>
        text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    private static long Int(JsonObject obj, string statusField) => (long?)obj["status"]?[statusField] ?? 0;

    private static long Spec(JsonObject obj, string field, long fallback) => (long?)obj["spec"]?[field] ?? fallback;

    private static string IntOrString(JsonNode? value) => value?.ToString() ?? "N/A";

    private static string Selector(JsonObject obj) =>
        obj["spec"]?["template"]?["spec"]?["nodeSelector"] is JsonObject selector && selector.Count > 0
            ? string.Join(',', selector.Select(p => $"{p.Key}={p.Value}"))
            : "<none>";

    private static JsonNode?[] NodeCells(JsonObject node, DateTimeOffset now)
    {
        var status = node["status"] as JsonObject;
        var ready = (status?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == "Ready");
        var state = ready is null ? "Unknown" : (string?)ready["status"] == "True" ? "Ready" : "NotReady";
        if ((bool?)node["spec"]?["unschedulable"] == true)
        {
            state += ",SchedulingDisabled";
        }

        var labels = ObjectMeta.Metadata(node)["labels"] as JsonObject;
        var roles = labels?.Select(l => l.Key)
            .Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
            .Select(k => k["node-role.kubernetes.io/".Length..])
            .Where(r => r.Length > 0)
            .Order(StringComparer.Ordinal)
            .ToList() ?? [];
        var info = status?["nodeInfo"] as JsonObject;
        string Address(string type) =>
            (status?["addresses"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(a => (string?)a["type"] == type)?["address"]?.GetValue<string>() ?? "<none>";
        return
        [
            ObjectMeta.Name(node), state, roles.Count == 0 ? "<none>" : string.Join(',', roles), Age(node, now),
            (string?)info?["kubeletVersion"] ?? string.Empty, Address("InternalIP"), Address("ExternalIP"),
            (string?)info?["osImage"] ?? "<unknown>", (string?)info?["kernelVersion"] ?? "<unknown>",
            (string?)info?["containerRuntimeVersion"] ?? "<unknown>",
        ];
    }

    private static JsonNode?[] PodCells(JsonObject pod, DateTimeOffset now)
    {
        var status = pod["status"] as JsonObject;
        var containers = (pod["spec"]?["containers"] as JsonArray)?.Count ?? 0;
        var statuses = (status?["containerStatuses"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var ready = statuses.Count(s => (bool?)s["ready"] == true);
        var restarts = statuses.Sum(s => (int?)s["restartCount"] ?? 0);
        var phase = (string?)status?["reason"] ?? (string?)status?["phase"] ?? "Pending";
        // As kubectl's printer: the last container with a waiting or terminated reason names the state (CrashLoopBackOff).
        if (statuses.Select(s => (string?)s["state"]?["waiting"]?["reason"] ?? (string?)s["state"]?["terminated"]?["reason"]).LastOrDefault(r => !string.IsNullOrEmpty(r)) is { } reason)
        {
            phase = reason;
        }

        if (ObjectMeta.Metadata(pod)["deletionTimestamp"] is not null && phase is not ("Succeeded" or "Failed"))
        {
            phase = "Terminating";
        }

        return
        [
            ObjectMeta.Name(pod), $"{ready}/{containers}", phase, restarts.ToString(CultureInfo.InvariantCulture), Age(pod, now),
            (string?)status?["podIP"] ?? "<none>", (string?)pod["spec"]?["nodeName"] ?? "<none>",
            (string?)status?["nominatedNodeName"] ?? "<none>", "<none>",
        ];
    }

    private static string Age(JsonObject obj, DateTimeOffset now)
    {
        var created = (string?)ObjectMeta.Metadata(obj)["creationTimestamp"];
        return created is not null && DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? HumanDuration(now - at)
            : "<unknown>";
    }

    /// <summary>kubectl's short durations: 45s, 3m20s, 15m, 5h3m, 20h, 3d4h, 12d, 2y30d.</summary>
    internal static string HumanDuration(TimeSpan age)
    {
        var s = (long)Math.Max(0, age.TotalSeconds);
        if (s < 120) { return $"{s}s"; }
        var m = s / 60;
        if (m < 10) { return s % 60 == 0 ? $"{m}m" : $"{m}m{s % 60}s"; }
        if (m < 180) { return $"{m}m"; }
        var h = m / 60;
        if (h < 8) { return m % 60 == 0 ? $"{h}h" : $"{h}h{m % 60}m"; }
        if (h < 48) { return $"{h}h"; }
        if (h < 192) { return h % 24 == 0 ? $"{h / 24}d" : $"{h / 24}d{h % 24}h"; }
        var d = h / 24;
        if (d < 730) { return $"{d}d"; }
        var y = d / 365;
        return y < 8 && d % 365 != 0 ? $"{y}y{d % 365}d" : $"{y}y";
    }

    private static JsonObject Column(string name, string type, string format, int priority) =>
        new() { ["name"] = name, ["type"] = type, ["format"] = format, ["description"] = string.Empty, ["priority"] = priority };
}
