using Pitcrew.Sim.Scenarios;

namespace Pitcrew.Sim.Cluster;

/// <summary>The API objects a scenario workload stands for: the workload itself and its PodDisruptionBudget.</summary>
internal static class WorkloadObjects
{
    public static IEnumerable<(ApiResource Resource, JsonObject Object)> For(Workload workload)
    {
        var labels = new JsonObject { ["app"] = workload.Name };
        var podSpec = PodSpec(workload);
        switch (workload.Kind)
        {
            case "Pod":
                yield return (Find(string.Empty, "pods"), new JsonObject
                {
                    ["metadata"] = new JsonObject { ["name"] = workload.Name, ["labels"] = labels },
                    ["spec"] = podSpec,
                });
                break;
            default:
                var spec = new JsonObject
                {
                    ["selector"] = new JsonObject { ["matchLabels"] = labels.DeepClone() },
                    ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() }, ["spec"] = podSpec },
                };
                switch (workload.Kind)
                {
                    case "Deployment":
                        spec["replicas"] = workload.Replicas;
                        break;
                    case "StatefulSet":
                        spec["replicas"] = workload.Replicas;
                        spec["serviceName"] = workload.Name;
                        break;
                    case "Job":
                        JobSpec(workload, spec);
                        break;
                }

                yield return (Resource(workload.Kind), new JsonObject
                {
                    ["metadata"] = new JsonObject { ["name"] = workload.Name, ["labels"] = labels.DeepClone() },
                    ["spec"] = spec,
                });
                break;
        }

        if (workload.PdbMinAvailable is not null || workload.PdbMaxUnavailable is not null)
        {
            var pdbSpec = new JsonObject { ["selector"] = new JsonObject { ["matchLabels"] = labels.DeepClone() } };
            if (workload.PdbMinAvailable is { } min)
            {
                pdbSpec["minAvailable"] = IntOrString(min);
            }

            if (workload.PdbMaxUnavailable is { } max)
            {
                pdbSpec["maxUnavailable"] = IntOrString(max);
            }

            yield return (Find("policy", "poddisruptionbudgets"), new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = workload.Name },
                ["spec"] = pdbSpec,
            });
        }
    }

    private static ApiResource Resource(string kind) => kind switch
    {
        "Deployment" => Find("apps", "deployments"),
        "StatefulSet" => Find("apps", "statefulsets"),
        "Job" => Find("batch", "jobs"),
        _ => Find("apps", "daemonsets"),
    };

    /// <summary>A Job's pods run to completion (restartPolicy Never) for their run time; the API server adds the selector.</summary>
    private static void JobSpec(Workload workload, JsonObject spec)
    {
        spec.Remove("selector");
        var template = (JsonObject)spec["template"]!;
        template["spec"]!["restartPolicy"] = "Never";
        if (workload.RunSeconds is { } seconds)
        {
            template["metadata"]!["annotations"] = new JsonObject
            {
                [Controllers.PodCompletion.RunSecondsAnnotation] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
        }

        if (workload.Completions is { } completions)
        {
            spec["completions"] = completions;
        }

        if (workload.Parallelism is { } parallelism)
        {
            spec["parallelism"] = parallelism;
        }
    }

    private static JsonObject PodSpec(Workload workload)
    {
        var container = new JsonObject { ["name"] = workload.Name, ["image"] = workload.Image };
        var spec = new JsonObject { ["containers"] = new JsonArray(container), ["terminationGracePeriodSeconds"] = 30 };
        if (workload.EmptyDir)
        {
            container["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "scratch", ["mountPath"] = "/scratch" });
            spec["volumes"] = new JsonArray(new JsonObject { ["name"] = "scratch", ["emptyDir"] = new JsonObject() });
        }

        if (workload.NodeSelector.Count > 0)
        {
            spec["nodeSelector"] = new JsonObject([.. workload.NodeSelector.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))]);
        }

        return spec;
    }

    private static JsonValue IntOrString(string value) =>
        int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var number) ? JsonValue.Create(number) : JsonValue.Create(value);

    private static ApiResource Find(string group, string name) => ResourceCatalog.All.First(r => r.Group == group && r.Name == name);
}
