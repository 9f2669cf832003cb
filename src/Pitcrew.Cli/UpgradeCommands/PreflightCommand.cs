using System.CommandLine;
using Pitcrew.Cli.NodeCommands;
using Pitcrew.Cli.Output;
using Pitcrew.Cluster;
using Pitcrew.Errors;
using Pitcrew.Nodes;
using Pitcrew.Upgrade;
using Pitcrew.Upgrade.Preflight;
using Pitcrew.Upgrade.Releases;
using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Cli.UpgradeCommands;

/// <summary>pitcrew upgrade preflight.</summary>
internal static class PreflightCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("preflight") { PlanCommand.To, PlanCommand.Releases, PlanCommand.Force, NodeFlags.Kubeconfig, NodeFlags.Context }.Describe(
            "Go/no-go checks before an upgrade: nodes, control plane, etcd, version rules, drainability, pending pods, removed APIs",
            """
            One table, each line PASS, WARN or FAIL with its evidence and what to do: every node Ready and without
            memory/disk/PID pressure; the control-plane static pods Running and Ready on every control plane; etcd's
            members' pods Ready; the version rules of pitcrew upgrade plan (--force accepts the skippable ones); every
            node drainable now (the drain forecast with --ignore-daemonsets --delete-emptydir-data: budgets allowing no
            disruption, pods under two budgets, unmanaged pods, room elsewhere); no pending pods; no API removed on the
            path still requested (kube-apiserver's apiserver_requested_deprecated_apis). Exits 0 go, 9 go with warnings,
            3 no-go.
            """,
            """
            pitcrew upgrade preflight --to v1.31
            pitcrew upgrade preflight --to v1.31.14 -o json
            """);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var releases = parse.GetValue(PlanCommand.Releases) is { } file ? ReleaseTable.Load(file) : ReleaseTable.Default;
            var kubectl = await KubectlProbe.ClientVersionAsync(context.Time, cancellationToken).ConfigureAwait(false);
            using var connection = KubeHttp.Connect(KubeAccess.Configuration(
                new KubeAccessOptions(parse.GetValue(NodeFlags.Kubeconfig), parse.GetValue(NodeFlags.Context)), context.Environment));
            var api = new KubeUpgradeApi(connection.Client, kubectl, connection.Http);
            var versions = await api.ReadVersionsAsync(cancellationToken).ConfigureAwait(false);
            var health = await api.ReadHealthAsync(cancellationToken).ConfigureAwait(false);
            var today = DateOnly.FromDateTime(context.Time.GetUtcNow().UtcDateTime);
            var plan = UpgradePlanner.Plan(versions, releases, RunbookLoader.Builtin("apt"), new UpgradeRequest(parse.GetValue(PlanCommand.To)), today);

            var drain = await DrainReadiness.ForecastAsync(new KubeNodeApi(connection.Client), context.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            var report = PreflightChecker.Check(plan, health, drain, RemovedApis.Default, parse.GetValue(PlanCommand.Force));
            if (!StructuredOutput.TryWrite(context, parse.GetValue(GlobalOptions.Output), report))
            {
                foreach (var line in Lines(report))
                {
                    await context.RawOut.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
                }
            }

            return report.Verdict switch
            {
                PreflightVerdict.Fail => ExitCodes.Blocked,
                PreflightVerdict.Warn => ExitCodes.Warnings,
                _ => ExitCodes.Ok,
            };
        });
        return command;
    }

    public static IEnumerable<string> Lines(PreflightReport report)
    {
        yield return $"Preflight for the upgrade from {report.Current} to {report.Target}:";
        yield return string.Empty;
        foreach (var line in TextTable.Format(["CHECK", "RESULT", "EVIDENCE", "TO DO"],
            [.. report.Checks.Select(c => (IReadOnlyList<string>)[c.Name, c.Verdict.ToString().ToUpperInvariant(), c.Evidence, c.Action ?? string.Empty])]))
        {
            yield return line;
        }

        yield return string.Empty;
        yield return report.Verdict switch
        {
            PreflightVerdict.Fail => $"NO-GO: {report.Checks.Count(c => c.Verdict == PreflightVerdict.Fail)} check(s) failed.",
            PreflightVerdict.Warn => $"GO with {report.Checks.Count(c => c.Verdict == PreflightVerdict.Warn)} warning(s): read them first.",
            _ => "GO: every check passed.",
        };
    }
}
