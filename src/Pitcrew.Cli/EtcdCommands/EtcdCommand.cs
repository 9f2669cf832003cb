namespace Pitcrew.Cli.EtcdCommands;

/// <summary>pitcrew etcd: snapshots, endpoints and backups; the commands that talk to etcd take etcdctl's connection flags.</summary>
internal static class EtcdCommand
{
    public static Command Create(CliContext context) => CliFlag.Group("etcd", "Work with etcd like etcdctl does, with checks it lacks",
        CliFlag.Group("snapshot", "Save, inspect and verify etcd snapshots",
            SnapshotSaveCommand.Create(context),
            SnapshotStatusCommand.Status(context),
            SnapshotStatusCommand.Verify(context),
            SnapshotRestoreCommand.Create(context),
            SnapshotDrillCommand.Create(context)),
        EndpointCommands.Create(context),
        MemberCommands.Create(context),
        MemberCommands.Alarm(context),
        DefragCommand.Create(context),
        CompactCommand.Create(context),
        BackupCommands.BackupCommand.Create(context),
        RestorePlanCommand.Group(context));
}
