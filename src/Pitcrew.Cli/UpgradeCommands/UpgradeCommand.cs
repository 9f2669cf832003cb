namespace Pitcrew.Cli.UpgradeCommands;

/// <summary>pitcrew upgrade: plan, preflight, apply.</summary>
internal static class UpgradeCommand
{
    public static Command Create(CliContext context) => new("upgrade", "Plan, check and perform kubeadm cluster upgrades: the path one minor at a time, version rules, go/no-go, then node by node")
    {
        PlanCommand.Create(context),
        PreflightCommand.Create(context),
        ApplyCommand.Create(context),
    };
}
