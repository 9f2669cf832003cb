using Pitcrew.Cli.NodeCommands;
using Pitcrew.Cluster;
using Pitcrew.Doctor;
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
        var command = new Command("preflight") { PlanCommand.To, PlanCommand.Releases, PlanCommand.Force, PlanCommand.ViaLatestPatch, NodeFlags.Kubeconfig, NodeFlags.Context }.Describe(
            "Go/no-go checks before an upgrade: nodes, control plane, etcd, backup, version rules, drainability, pending pods, removed APIs, certificates",
            """
            One table, each line PASS, WARN or FAIL with its evidence and what to do: every node Ready and without
            memory/disk/PID pressure; the control-plane static pods Running and Ready on every control plane; etcd's
            members' pods Ready and every member answering (etcd's flags, or the endpoints its kubeadm pods advertise), a leader, no alarm
            (NOSPACE, CORRUPT) and the DB under its quota; a backup newer than --max-backup-age in --store (with
            --take-backup, taken first when there is none); the version
            rules of pitcrew upgrade plan (--force accepts the skippable ones); every node drainable now (the drain
            forecast with --ignore-daemonsets --delete-emptydir-data); no pending pods; no API removed on the path still
            requested (apiserver_requested_deprecated_apis); no serving certificate (API server, kubelets, etcd) expiring
            before --window-end. Exits 0 go, 9 go with warnings, 3 no-go.
            """,
            """
            pitcrew upgrade preflight --to v1.31
            pitcrew upgrade preflight --to v1.31.14 --store s3://backups/etcd --max-backup-age 30m --window-end 6h
            pitcrew upgrade preflight --to v1.31 --store file:///var/backups/etcd --take-backup --endpoints https://10.0.0.10:2379 --cacert ca.crt --cert client.crt --key client.key
            pitcrew upgrade preflight --to v1.31 --endpoints https://10.0.0.10:2379 --cacert ca.crt --cert client.crt --key client.key -o json
            """);
        foreach (var option in PreflightFlags.All)
        {
            command.Add(option);
        }

        command.Outputs(OutputFlag.Structured);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var releases = parse.GetValue(PlanCommand.Releases) is { } file ? ReleaseTable.Load(file) : ReleaseTable.Default;
            var kubectl = await KubectlProbe.ClientVersionAsync(context.Time, cancellationToken).ConfigureAwait(false);
            using var connection = KubeHttp.Connect(KubeAccess.Configuration(
                new KubeAccessOptions(parse.GetValue(NodeFlags.Kubeconfig), parse.GetValue(NodeFlags.Context)), context.Environment));
            var api = new KubeUpgradeApi(connection.Client, kubectl, connection.Http);
            var etcd = await ClusterEtcdFlags.ResolveAsync(parse, context, api, cancellationToken).ConfigureAwait(false);
            var request = PreflightFlags.Bind(parse, context, etcd, out var opened);
            using var store = opened;
            if (parse.GetValue(PreflightFlags.TakeBackup))
            {
                await PreflightFlags.TakeBackupIfNeededAsync(parse, context, store, request.MaxBackupAge, etcd, cancellationToken).ConfigureAwait(false);
            }

            var versions = await api.ReadVersionsAsync(cancellationToken).ConfigureAwait(false);
            var health = await api.ReadHealthAsync(cancellationToken).ConfigureAwait(false);
            var today = DateOnly.FromDateTime(context.Time.GetUtcNow().UtcDateTime);
            var plan = UpgradePlanner.Plan(versions, releases, RunbookLoader.Builtin("apt"), PlanCommand.Request(parse), today);

            var drain = await DrainReadiness.ForecastAsync(new KubeNodeApi(connection.Client), context.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            var safety = await SafetyGathering.ReadAsync(new KubeDoctorApi(connection.Client), request, context.Time, cancellationToken).ConfigureAwait(false);
            var report = PreflightChecker.Check(plan, health, drain, RemovedApis.Default, parse.GetValue(PlanCommand.Force), safety);
            if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), report))
            {
                foreach (var line in Lines(report, TextTable.WidthFor(context.Out)))
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

    /// <summary>The report as text, its table wrapped to <paramref name="width"/> columns.</summary>
    public static IEnumerable<string> Lines(PreflightReport report, int width)
    {
        yield return $"Preflight for the upgrade from {report.Current} to {report.Target}:";
        yield return string.Empty;
        foreach (var line in TextTable.Format(["CHECK", "RESULT", "EVIDENCE", "TO DO"],
            [.. report.Checks.Select(c => (IReadOnlyList<string>)[c.Name, c.Verdict.ToString().ToUpperInvariant(), c.Evidence, c.Action ?? string.Empty])], width))
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
