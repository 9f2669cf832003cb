using Pitcrew.Cluster;

namespace Pitcrew.Doctor;

/// <summary>A Warning event, as aggregated by the API (count, last seen).</summary>
internal sealed record EventFacts(string? Namespace, string Kind, string Name, string Reason, string Message, int Count, DateTimeOffset? LastSeen);

/// <summary>Usage of a node from metrics.k8s.io (the working set for memory).</summary>
internal sealed record NodeUsage(string Node, long MilliCpu, long Memory);

/// <summary>Everything the cluster-object checks read, gathered first.</summary>
/// <param name="Leases">Node name -> the renewTime of its kube-node-lease Lease.</param>
/// <param name="Usage">Null when the metrics API is not served or not readable.</param>
internal sealed record ClusterFacts(
    IReadOnlyList<NodeFacts> Nodes,
    IReadOnlyDictionary<string, DateTimeOffset?> Leases,
    IReadOnlyList<PodFacts> Pods,
    IReadOnlyList<EventFacts> Events,
    IReadOnlyList<NodeUsage>? Usage,
    string? ServerVersion);

/// <summary>How a TCP connect and TLS handshake to one endpoint went, and the certificate it presented.</summary>
internal sealed record ProbeResult(string Target, string Endpoint, ProbeOutcome Outcome, string? Error, CertificateFacts? Certificate, TimeSpan Took);

/// <summary>What a connect attempt came to.</summary>
internal enum ProbeOutcome
{
    Open,
    Refused,
    TimedOut,
    Failed,
}

/// <summary>A certificate seen in a handshake or read from a file.</summary>
internal sealed record CertificateFacts(string Name, string Subject, string Issuer, DateTimeOffset NotBefore, DateTimeOffset NotAfter, bool SelfSigned);
