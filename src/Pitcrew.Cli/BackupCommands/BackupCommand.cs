namespace Pitcrew.Cli.BackupCommands;

/// <summary>pitcrew etcd backup: the backup lifecycle (retention today; create, list, prune, verify, get, run join it).</summary>
internal static class BackupCommand
{
    public static Command Create(CliContext context) => CliFlag.Group("backup", "Scheduled, verified, tiered etcd backups in a file or S3 store",
        CliFlag.Group("retention", "Try a retention policy on a synthetic history before trusting it", RetentionSimulateCommand.Create(context)),
        BackupCreateCommand.Create(context),
        BackupListCommand.Create(context),
        BackupFetchCommands.Verify(context),
        BackupFetchCommands.Get(context),
        BackupHistoryCommand.Create(context),
        BackupCompactCommand.Create(context),
        BackupPruneCommand.Create(context),
        BackupRunCommand.Create(context)).AddAll(BackupStoreFlags.All);
}
