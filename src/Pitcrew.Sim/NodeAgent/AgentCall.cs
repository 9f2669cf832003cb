using Pitcrew.Sim.Cluster;

namespace Pitcrew.Sim.NodeAgent;

/// <summary>One simple command the agent runs on a node: its words, the text piped into it, where its output goes.</summary>
internal sealed class AgentCall(string node, IReadOnlyList<string> words, IReadOnlyList<string>? stdin, Action<string> stderr, AgentServices services, DateTimeOffset now)
{
    public string Node { get; } = node;

    public IReadOnlyList<string> Words { get; } = words;

    /// <summary>Lines piped in; null when nothing is.</summary>
    public IReadOnlyList<string>? Stdin { get; } = stdin;

    /// <summary>Lines printed on standard output (piped on, redirected, or streamed when last).</summary>
    public List<string> Stdout { get; } = [];

    public AgentServices Services { get; } = services;

    public DateTimeOffset Now { get; } = now;

    public string Line => string.Join(' ', Words);

    /// <summary>The same command as seen on another node, its output dropped (what a kubelet does there prints nothing here).</summary>
    public AgentCall Quiet(string node) => new(node, Words, null, _ => { }, Services, Now);

    public void Out(string line) => Stdout.Add(line);

    public void Err(string line) => stderr(line);

    public bool Has(string flag) => Words.Contains(flag, StringComparer.Ordinal);

    /// <summary>Words that are not flags, after the first <paramref name="skip"/>.</summary>
    public IReadOnlyList<string> Operands(int skip) => [.. Words.Skip(skip).Where(w => !w.StartsWith('-'))];

    /// <summary>Fails with an exit code and a message on stderr.</summary>
    public int Fail(int code, string message)
    {
        Err(message);
        return code;
    }

    /// <summary>Changes this node and writes it back.</summary>
    public Task<JsonObject?> MutateNodeAsync(Func<JsonObject, bool> change, CancellationToken cancellationToken) =>
        Services.Store.MutateAsync(AgentStore.Nodes, null, Node, change, cancellationToken);

    public Task<JsonObject?> GetNodeAsync(CancellationToken cancellationToken) => Services.Store.GetAsync(AgentStore.Nodes, null, Node, cancellationToken);
}

/// <summary>What every command may use: the store, the version /version serves, the sim's timings, the stacked etcd members.</summary>
internal sealed record AgentServices(AgentStore Store, ServedVersion Served, SimTimings Timings, TimeProvider Time, Storage.SimEtcd? Etcd = null)
{
    /// <summary>The nodes' kubeadm PKI and served certificates, when the sim has them.</summary>
    public Pki.NodePki? Pki { get; init; }

    /// <summary>The nodes' files, when the sim has a directory.</summary>
    public NodeDisk? Disk { get; init; }

    /// <summary>Whether a node is a control plane (kubeadm's label).</summary>
    public static bool IsControlPlane(JsonObject node) => ObjectMeta.Metadata(node)["labels"]?.AsObject().ContainsKey("node-role.kubernetes.io/control-plane") == true;
}
