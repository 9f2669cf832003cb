namespace Pitcrew.Cli.ClusterCommands;

/// <summary>pitcrew cluster: whole-cluster procedures.</summary>
internal static class ClusterCommand
{
    public static Command Create(CliContext context) =>
        CliFlag.Group("cluster", "Whole-cluster procedures (restore etcd on every control-plane node)", ClusterRestoreCommand.Create(context));
}
