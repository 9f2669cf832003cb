using Pitcrew.Restore.Drill;

namespace Pitcrew.Cli.EtcdCommands;

/// <summary>pitcrew etcd snapshot drill FILE: prove a backup restores by restoring it and asking a real etcd.</summary>
internal static class SnapshotDrillCommand
{
    public static Command Create(CliContext context)
    {
        var file = CliFlag.Argument("FILE", "The snapshot file to drill");
        var scratch = CliFlag.Of<string?>("--scratch-dir", "Where to restore temporarily (default: the system temp dir); removed afterwards");
        var skipHash = RestoreFlags.SkipHashCheck();
        var command = new Command("drill")
        {
            file, scratch, skipHash,
        }.Describe(
            "Restore a snapshot into a scratch dir, start a real etcd on it and check it serves what the file holds",
            """
            Restores natively, starts a temporary etcd (the etcd binary on this host) on free loopback ports,
            and compares revision, compacted revision, keys per prefix and Maintenance.HashKV with the values
            computed from the file itself. Then stops etcd and removes the scratch dir. Exits 0 only when every
            check matches (22 when etcd served something else): a backup you have not restored is not a backup.
            """,
            """
            pitcrew etcd snapshot drill /backup/etcd.db
            pitcrew etcd snapshot drill /backup/etcd.db -o json --scratch-dir /var/tmp
            """);
        command.Outputs(OutputFlag.Structured);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var report = await SnapshotDrill.RunAsync(parse.GetValue(file)!, parse.GetValue(scratch), parse.GetValue(skipHash), context.Time, cancellationToken)
                .ConfigureAwait(false);
            if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), report))
            {
                RestoreRenderer.Drill(context.Out, report);
            }

            return report.Ok ? ExitCodes.Ok : ExitCodes.DrillFailed;
        });
        return command;
    }
}
