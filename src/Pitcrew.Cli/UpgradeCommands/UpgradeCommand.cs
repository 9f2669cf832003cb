using System.CommandLine;

namespace Pitcrew.Cli.UpgradeCommands;

/// <summary>pitcrew upgrade: plan, preflight (apply comes later).</summary>
internal static class UpgradeCommand
{
    public static Command Create(CliContext context) => new("upgrade", "Plan kubeadm cluster upgrades and check they can go: the path one minor at a time, the version rules, the commands, go/no-go")
    {
        PlanCommand.Create(context),
        PreflightCommand.Create(context),
    };
}
