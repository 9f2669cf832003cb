namespace Pitcrew.Cli.NodeCommands;

/// <summary>pitcrew node: cordon, uncordon, drain, drain-plan.</summary>
internal static class NodeGroupCommand
{
    public static Command Create(CliContext context) => new("node", "Cordon, uncordon and drain nodes with kubectl's semantics, and plan drains before they run")
    {
        CordonCommands.Cordon(context),
        CordonCommands.Uncordon(context),
        DrainCommand.Create(context),
        DrainCommand.CreatePlan(context),
    };
}
