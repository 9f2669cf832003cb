using System.Text;

namespace Pitcrew.Sim.Pki;

/// <summary>Writes the kubeconfig for the simulated cluster: embedded CA and admin credentials, context pitcrew-sim.</summary>
internal static class Kubeconfig
{
    public const string ContextName = "pitcrew-sim";

    public static void Write(string path, string serverUrl, SimPki pki)
    {
        static string Data(string file) => Convert.ToBase64String(Encoding.ASCII.GetBytes(File.ReadAllText(file)));

        var yaml = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: {ContextName}
              cluster:
                server: {serverUrl}
                certificate-authority-data: {Data(pki.CaCertPath)}
            users:
            - name: pitcrew-sim-admin
              user:
                client-certificate-data: {Data(pki.AdminCertPath)}
                client-key-data: {Data(pki.AdminKeyPath)}
            contexts:
            - name: {ContextName}
              context:
                cluster: {ContextName}
                user: pitcrew-sim-admin
            current-context: {ContextName}

            """;
        var temp = path + ".tmp";
        File.WriteAllText(temp, yaml);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: true);
    }
}
