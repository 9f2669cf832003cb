using Pitcrew.Doctor;

namespace Pitcrew.Certs;

/// <summary>What a renewal step does: copy aside, renew, move a manifest, wait on a mirror pod, check the served certificate, refresh the kubeconfig.</summary>
internal enum RenewStepKind
{
    Run,
    WaitGone,
    WaitReady,
    VerifyServing,
    UpdateAdminConf,
}

/// <summary>One journaled step on one node: its id (NODE/...), what it does, and the command line it runs (null for a wait or a check).</summary>
internal sealed record RenewStep(string Id, string Node, RenewStepKind Kind, string Description, string? Command = null, string? Component = null);

/// <summary>A control plane to renew on: the certificates to renew as they are now, and the kubeconfigs it has.</summary>
internal sealed record RenewNode(string Node, IReadOnlyList<CertificateRow> Before);

/// <summary>
/// The renewal, planned before anything runs: the stamp of the copies kept aside, the certificates (all or names), the
/// control planes one at a time, every step in order, and where the old files go.
/// </summary>
internal sealed record CertsRenewPlan(string Stamp, IReadOnlyList<string> Names, IReadOnlyList<RenewNode> Nodes, IReadOnlyList<RenewStep> Steps, IReadOnlyList<string> Notes)
{
    /// <summary>Where the node's certificates before the run are kept: the pki dir and each kubeconfig with .pitcrew-STAMP.</summary>
    public static string Aside(string path, string stamp) => $"{path}.pitcrew-{stamp}";
}
