using Pitcrew.Sim.Controllers;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Pitcrew.Sim.Scenarios;

/// <summary>Reads scenario YAML, naming the line and field of anything wrong.</summary>
public static class ScenarioReader
{
    /// <summary>Kinds the sim's controllers run.</summary>
    private static readonly string[] WorkloadKinds = ["Deployment", "StatefulSet", "DaemonSet", "Job", "Pod"];
    private static readonly string[] JobFields = ["completions", "parallelism", "runSeconds"];
    private static readonly string[] Effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

    /// <summary>A built-in scenario by name, or a file.</summary>
    public static Scenario Load(string nameOrPath)
    {
        var builtIn = typeof(ScenarioReader).Assembly.GetManifestResourceStream($"Pitcrew.Sim.Scenarios.{nameOrPath}.yaml");
        if (builtIn is not null)
        {
            using var reader = new StreamReader(builtIn);
            return Parse(reader.ReadToEnd(), $"built-in scenario {nameOrPath}");
        }

        if (!File.Exists(nameOrPath))
        {
            throw new ScenarioException($"scenario \"{nameOrPath}\": no such file, and not a built-in scenario (demo)");
        }

        return Parse(File.ReadAllText(nameOrPath), nameOrPath);
    }

    public static Scenario Parse(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new ScenarioException($"{source}:{e.Start.Line}: {e.Message}", e);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new ScenarioException($"{source}: a scenario is a mapping with version, nodes, workloads and faults");
        }

        var at = new Where(source);
        at.Only(root, "version", "nodes", "workloads", "faults");
        var version = at.Text(root, "version") ?? "v1.30.4";
        if (!System.Text.RegularExpressions.Regex.IsMatch(version, @"^v\d+\.\d+\.\d+$"))
        {
            throw at.Error(root.Children[new YamlScalarNode("version")], "version", $"\"{version}\" is not a Kubernetes version such as v1.30.4");
        }

        var nodes = at.Items(root, "nodes").Select(n => Node(at, n)).ToList();
        if (nodes.Count == 0 || !nodes.Any(n => n.ControlPlane))
        {
            throw new ScenarioException($"{source}: nodes: at least one group with role: control-plane is needed");
        }

        var workloads = at.Items(root, "workloads").Select(w => WorkloadOf(at, w)).ToList();
        var names = nodes.SelectMany(g => Enumerable.Range(1, g.Count).Select(i => $"{g.Name}-{i}")).ToHashSet(StringComparer.Ordinal);
        var faults = at.Items(root, "faults").Select(f => Fault(at, f, names)).ToList();
        return new Scenario(version, nodes, workloads, faults);
    }

    private static NodeGroup Node(Where at, YamlMappingNode node)
    {
        at.Only(node, "name", "count", "role", "labels", "taints", "capacity", "kubeletVersion", "kubeletCertExpiresIn", "certificatesExpireIn");
        var role = at.Text(node, "role") ?? "worker";
        if (role is not ("worker" or "control-plane"))
        {
            throw at.Error(node, "role", $"\"{role}\": want worker or control-plane");
        }

        var taints = at.Items(node, "taints").Select(t =>
        {
            at.Only(t, "key", "value", "effect");
            var effect = at.Required(t, "effect");
            return Effects.Contains(effect) ? new NodeTaint(at.Required(t, "key"), at.Text(t, "value"), effect)
                : throw at.Error(t, "effect", $"\"{effect}\": want {string.Join(", ", Effects)}");
        }).ToList();
        var certificates = Lifetime(at, node, "certificatesExpireIn");
        if (certificates is not null && role != "control-plane")
        {
            throw at.Error(node, "certificatesExpireIn", "only a control-plane group has kubeadm certificates (use kubeletCertExpiresIn for a worker's kubelet)");
        }

        return new NodeGroup(at.Required(node, "name"), at.Number(node, "count", 1, 0, 10_000), role == "control-plane",
            at.Map(node, "labels"), taints, at.Map(node, "capacity"), at.Text(node, "kubeletVersion"), Lifetime(at, node, "kubeletCertExpiresIn"), certificates);
    }

    /// <summary>A duration such as 5d, 12h, 30m or -1d (already expired).</summary>
    private static TimeSpan? Lifetime(Where at, YamlMappingNode node, string field)
    {
        var text = at.Text(node, field);
        if (text is null)
        {
            return null;
        }

        var match = System.Text.RegularExpressions.Regex.Match(text, @"^(-?\d+)([dhm])$");
        if (!match.Success)
        {
            throw at.Error(node.Children[new YamlScalarNode(field)], field, $"\"{text}\": want a duration such as 5d, 12h, 30m or -1d");
        }

        var n = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "d" => TimeSpan.FromDays(n), "h" => TimeSpan.FromHours(n), _ => TimeSpan.FromMinutes(n) };
    }

    private static Workload WorkloadOf(Where at, YamlMappingNode node)
    {
        at.Only(node, "kind", "name", "namespace", "replicas", "image", "emptyDir", "nodeSelector", "pdb", "completions", "parallelism", "runSeconds");
        var kind = at.Required(node, "kind");
        if (!WorkloadKinds.Contains(kind))
        {
            throw at.Error(node, "kind", $"\"{kind}\": want one of {string.Join(", ", WorkloadKinds)}");
        }

        if (kind != "Job" && JobFields.FirstOrDefault(f => node.Children.ContainsKey(new YamlScalarNode(f))) is { } jobField)
        {
            throw at.Error(node.Children[new YamlScalarNode(jobField)], jobField, $"only a Job has {jobField} (this is a {kind})");
        }

        string? min = null, max = null;
        if (at.Mapping(node, "pdb") is { } pdb)
        {
            at.Only(pdb, "minAvailable", "maxUnavailable");
            min = at.Text(pdb, "minAvailable");
            max = at.Text(pdb, "maxUnavailable");
        }

        return new Workload(kind, at.Required(node, "name"), at.Text(node, "namespace") ?? "default", at.Number(node, "replicas", 1, 0, 100_000),
            at.Text(node, "image") ?? "registry.k8s.io/pause:3.9", at.Text(node, "emptyDir") == "true", at.Map(node, "nodeSelector"), min, max,
            at.OptionalNumber(node, "completions", 1, 100_000), at.OptionalNumber(node, "parallelism", 0, 100_000), at.OptionalNumber(node, "runSeconds", 0, 86_400));
    }

    private static StartFault Fault(Where at, YamlMappingNode node, HashSet<string> nodes)
    {
        at.Only(node, "node", "fault");
        var name = at.Required(node, "node");
        var fault = at.Required(node, "fault");
        if (!nodes.Contains(name))
        {
            throw at.Error(node, "node", $"\"{name}\" is not a node of this scenario");
        }

        return NodeFaults.Names.Contains(fault) ? new StartFault(name, fault)
            : throw at.Error(node, "fault", $"\"{fault}\": want one of {string.Join(", ", NodeFaults.Names)}");
    }

    /// <summary>Field access that reports the file, line and field of a problem.</summary>
    private sealed class Where(string source)
    {
        public ScenarioException Error(YamlNode node, string field, string why) =>
            new($"{source}:{node.Start.Line}: {field}: {why}");

        public void Only(YamlMappingNode node, params string[] fields)
        {
            foreach (var key in node.Children.Keys.OfType<YamlScalarNode>())
            {
                if (!fields.Contains(key.Value))
                {
                    throw new ScenarioException($"{source}:{key.Start.Line}: unknown field \"{key.Value}\" (expected {string.Join(", ", fields)})");
                }
            }
        }

        public string? Text(YamlMappingNode node, string field) =>
            node.Children.TryGetValue(new YamlScalarNode(field), out var value)
                ? value as YamlScalarNode is { } scalar ? scalar.Value : throw Error(value, field, "want a single value")
                : null;

        public string Required(YamlMappingNode node, string field) =>
            Text(node, field) is { Length: > 0 } text ? text : throw Error(node, field, "required");

        public int Number(YamlMappingNode node, string field, int fallback, int min, int max)
        {
            var text = Text(node, field);
            if (text is null)
            {
                return fallback;
            }

            return int.TryParse(text, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                ? n
                : throw Error(node.Children[new YamlScalarNode(field)], field, $"\"{text}\": want a whole number from {min} to {max}");
        }

        public int? OptionalNumber(YamlMappingNode node, string field, int min, int max) =>
            Text(node, field) is null ? null : Number(node, field, 0, min, max);

        public YamlMappingNode? Mapping(YamlMappingNode node, string field) =>
            node.Children.TryGetValue(new YamlScalarNode(field), out var value)
                ? value as YamlMappingNode ?? throw Error(value, field, "want a mapping")
                : null;

        public Dictionary<string, string> Map(YamlMappingNode node, string field) =>
            Mapping(node, field)?.Children.ToDictionary(
                p => ((YamlScalarNode)p.Key).Value!,
                p => (p.Value as YamlScalarNode)?.Value ?? throw Error(p.Value, field, "values must be single values"),
                StringComparer.Ordinal) ?? new Dictionary<string, string>(StringComparer.Ordinal);

        public IEnumerable<YamlMappingNode> Items(YamlMappingNode node, string field)
        {
            if (!node.Children.TryGetValue(new YamlScalarNode(field), out var value))
            {
                return [];
            }

            return value is YamlSequenceNode list
                ? list.Children.Select(item => item as YamlMappingNode ?? throw Error(item, field, "each entry is a mapping"))
                : throw Error(value, field, "want a list");
        }
    }
}
