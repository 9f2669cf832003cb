namespace Pitcrew.Cli.CertsCommands;

/// <summary>pitcrew certs: kubeadm's certificates on every control plane and the kubelets', checked and renewed through the node executor.</summary>
internal static class CertsCommand
{
    public static Command Create(CliContext context) => CliFlag.Group("certs", "Check and renew kubeadm's and the kubelets' certificates on the nodes",
        CertsCheckCommand.Create(context),
        CertsRenewCommand.Create(context));
}
