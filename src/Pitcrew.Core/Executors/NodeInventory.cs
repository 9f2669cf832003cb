using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Pitcrew.Executors;

/// <summary>How to reach one node over SSH.</summary>
internal sealed record SshHost(string Node, string Host, int Port, string User, string? KeyFile, bool Sudo);

/// <summary>
/// An inventory file: defaults and per-node entries (host, port, user, keyFile, sudo). Nodes it does not list are
/// reached at their InternalIP with the defaults.
/// </summary>
/// <example>
/// defaults: { user: ubuntu, keyFile: ~/.ssh/id_ed25519, sudo: true }
/// nodes:
///   cp-1: { host: 10.0.0.11 }
///   worker-1: { host: worker-1.example.net, port: 2222 }
/// </example>
internal sealed class NodeInventory
{
    public const int DefaultPort = 22;
    public const string DefaultUser = "root";

    private readonly Dictionary<string, Entry> _nodes;

    private NodeInventory(Entry defaults, Dictionary<string, Entry> nodes)
    {
        Defaults = defaults;
        _nodes = nodes;
    }

    public static NodeInventory Empty { get; } = new(new Entry(), new Dictionary<string, Entry>(StringComparer.Ordinal));

    private Entry Defaults { get; }

    public static NodeInventory Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new PitcrewException($"inventory {path}: no such file", ExitCodes.FileNotFound);
        }

        try
        {
            var deserializer = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build();
            var file = deserializer.Deserialize<FileShape?>(File.ReadAllText(path)) ?? new FileShape();
            return new NodeInventory(file.Defaults ?? new Entry(), new Dictionary<string, Entry>(file.Nodes ?? [], StringComparer.Ordinal));
        }
        catch (YamlException e)
        {
            throw new PitcrewException($"inventory {path}: line {e.Start.Line}, column {e.Start.Column}: {(e.InnerException ?? e).Message}", ExitCodes.Usage, e);
        }
    }

    /// <summary>Whether the inventory names a host for the node (otherwise its InternalIP is needed).</summary>
    public bool HasHost(string node) => _nodes.TryGetValue(node, out var entry) && !string.IsNullOrEmpty(entry.Host);

    /// <summary>Where and as whom to reach the node; <paramref name="address"/> is used when the inventory names no host.</summary>
    public SshHost Resolve(string node, string? address)
    {
        var entry = _nodes.GetValueOrDefault(node) ?? new Entry();
        var host = entry.Host ?? address
            ?? throw new PitcrewException($"node/{node}: no host in the inventory and no InternalIP address; add it to the inventory", ExitCodes.Usage);
        return new SshHost(node, host, entry.Port ?? Defaults.Port ?? DefaultPort, entry.User ?? Defaults.User ?? DefaultUser,
            ExpandHome(entry.KeyFile ?? Defaults.KeyFile), entry.Sudo ?? Defaults.Sudo ?? true);
    }

    private static string? ExpandHome(string? path) =>
        path is not null && path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..])
            : path;

    /// <summary>One entry as written in the file.</summary>
    internal sealed class Entry
    {
        public string? Host { get; set; }

        public int? Port { get; set; }

        public string? User { get; set; }

        public string? KeyFile { get; set; }

        public bool? Sudo { get; set; }
    }

    private sealed class FileShape
    {
        public Entry? Defaults { get; set; }

        public Dictionary<string, Entry>? Nodes { get; set; }
    }
}
