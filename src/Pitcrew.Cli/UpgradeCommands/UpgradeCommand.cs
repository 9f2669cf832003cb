using System.CommandLine;

namespace Pitcrew.Cli.UpgradeCommands;

/// <summary>pitcrew upgrade: plan (and later preflight, apply).</summary>
internal static class UpgradeCommand
{
    public static Command Create(CliContext context) => new("upgrade", "Plan kubeadm cluster upgrades: the path one minor at a time, the version rules, the commands")
    {
        PlanCommand.Create(context),
    };
}
