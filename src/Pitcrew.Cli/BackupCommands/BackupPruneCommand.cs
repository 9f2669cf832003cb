using Pitcrew.Backups;

namespace Pitcrew.Cli.BackupCommands;

/// <summary>pitcrew etcd backup prune.</summary>
internal static class BackupPruneCommand
{
    public static Command Create(CliContext context)
    {
        var forget = new Argument<string[]>("NAME") { Description = "Backups to delete explicitly (the only way a pre-upgrade backup goes)", Arity = ArgumentArity.ZeroOrMore };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print every decision and delete nothing" };
        var now = new Option<DateTimeOffset?>("--now")
        {
            Description = "Decide as of this time, RFC 3339: backups created later are left out of the decision and kept",
            HelpName = "TIME",
            CustomParser = r => CliDurations.Time(r),
        };
        var command = new Command("prune") { forget, dryRun, now, BackupCreateCommand.LockWait }.Describe(
            "Delete the backups a retention policy does not keep, printing every decision with its reason",
            """
            restic's forget semantics: for the last N hours/days/ISO weeks/months/years that have backups, keep the
            newest of each; calendar in UTC unless --time-zone. pre-upgrade backups are kept unless named; the newest
            verified backup is never deleted. The policy applied is stored in the store (pitcrew-retention.json) for list,
            later prunes and backup run; without --keep-* flags the stored policy applies, else 7 daily, 4 weekly, 12
            monthly. The manifest goes first, then the object, under the store's lock.
            """,
            """
            pitcrew etcd backup prune --store file:///var/backups/etcd --dry-run
            pitcrew etcd backup prune --store s3://backups/etcd --keep-hourly 24 --keep-daily 7 --keep-weekly 4 --keep-monthly 12
            pitcrew etcd backup prune --store s3://backups/etcd etcd-20261001T020000Z-77aa   # forget one pre-upgrade backup
            """);
        RetentionFlags.AddTo(command);
        command.Outputs(OutputFlag.Structured);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var store = BackupStoreFlags.OpenExisting(parse, context);
            var result = await BackupJobs.PruneAsync(
                store, RetentionFlags.Request(parse), parse.GetValue(forget) ?? [], parse.GetValue(dryRun), parse.GetValue(now),
                parse.GetValue(BackupCreateCommand.LockWait) ?? TimeSpan.FromMinutes(1), context.Time, cancellationToken).ConfigureAwait(false);
            if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), result))
            {
                BackupRenderer.Pruned(context.Out, result);
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
