using Pitcrew.Cli.NodeCommands;
using Pitcrew.Cluster;
using Pitcrew.Upgrade;
using Pitcrew.Upgrade.Releases;
using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Cli.UpgradeCommands;

/// <summary>pitcrew upgrade plan.</summary>
internal static class PlanCommand
{
    public static readonly Option<string?> To = new("--to") { Description = "Target version: v1.30.4, or a minor (v1.30) for its latest patch; default: the newest release" };
    public static readonly Option<string?> Releases = new("--releases") { Description = "Release table to plan with instead of the built-in one (YAML, same shape)" };
    public static readonly Option<string> RunbookOption = new("--runbook") { Description = "apt, dnf (or yum), or a runbook file", DefaultValueFactory = _ => "apt" };
    public static readonly Option<bool> Force = new("--force") { Description = "Let skippable version rules pass (mandatory ones never do)" };

    public static readonly Option<bool> ViaLatestPatch = new("--via-latest-patch")
    {
        Description = "Go to the latest patch of the current minor first, then on (every node drains once more); by default the first hop is straight to the next minor",
    };

    /// <summary>The request the plan, preflight and apply commands share.</summary>
    public static UpgradeRequest Request(ParseResult parse) => new(parse.GetValue(To), parse.GetValue(ViaLatestPatch));

    public static Command Create(CliContext context)
    {
        var command = new Command("plan") { To, Releases, RunbookOption, Force, ViaLatestPatch, NodeFlags.Kubeconfig, NodeFlags.Context }.Describe(
            "Show the upgrade path, what each step changes on which node, the version rules and the commands, as kubeadm upgrade plan does",
            """
            Reads the cluster as kubeadm does (kube-apiserver /version, ClusterConfiguration in kube-system/kubeadm-config,
            the control-plane static pods' images per node, every kubelet, kube-proxy and CoreDNS images, etcd from its
            image) and plans the upgrade one minor at a time, each at its latest patch; kubeadm goes from any patch to the
            next minor, so the current minor's latest patch comes first only with --via-latest-patch (the other paths
            are shown beside the chosen one). Prints kubeadm's tables per step (the kubelets to upgrade after the control
            plane, then the control plane and addons), the runbook's commands per node role, the skew-policy checks and
            the support status. End-of-life minors and the local kubectl's version are warnings, never blocks.
            Release data comes from the built-in table or --releases FILE; nothing is fetched. Exits 0 when the plan may
            proceed, 3 when a mandatory rule (or, without --force, a skippable one) blocks it.
            """,
            """
            pitcrew upgrade plan
            pitcrew upgrade plan --to v1.31
            pitcrew upgrade plan --to v1.31 --via-latest-patch
            pitcrew upgrade plan --to v1.30.4 --runbook dnf -o json
            """);
        command.Outputs(OutputFlag.Structured);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var releases = parse.GetValue(Releases) is { } file ? ReleaseTable.Load(file) : ReleaseTable.Default;
            var runbookName = parse.GetValue(RunbookOption)!;
            var runbook = RunbookLoader.Resolve(runbookName);
            var kubectl = await KubectlProbe.ClientVersionAsync(context.Time, cancellationToken).ConfigureAwait(false);
            var client = KubeAccess.Connect(new KubeAccessOptions(parse.GetValue(NodeFlags.Kubeconfig), parse.GetValue(NodeFlags.Context)), context.Environment);
            var cluster = await new KubeUpgradeApi(client, kubectl).ReadVersionsAsync(cancellationToken).ConfigureAwait(false);
            var today = DateOnly.FromDateTime(context.Time.GetUtcNow().UtcDateTime);
            var plan = UpgradePlanner.Plan(cluster, releases, runbook, Request(parse), today);
            var force = parse.GetValue(Force);
            if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), plan))
            {
                foreach (var line in UpgradePlanRenderer.Lines(plan, force, parse.GetValue(GlobalOptions.Verbose)))
                {
                    await context.RawOut.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
                }
            }

            return plan.CanProceed(force) ? ExitCodes.Ok : ExitCodes.Blocked;
        });
        return command;
    }
}
