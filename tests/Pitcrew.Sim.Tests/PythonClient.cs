using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Pitcrew.Sim.Tests;

/// <summary>
/// Runs Python/client_checks.py with the official Python client (Debian's python3-kubernetes) against a sim: a second
/// client, written independently of KubernetesClient and kubectl. Debian's interpreter comes first, since the package
/// installs into it whatever python3 comes first on PATH. No interpreter with the module is a failure, not a skip.
/// </summary>
internal static class PythonClient
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly string[] Interpreters = ["/usr/bin/python3", "python3"];
    private static readonly Lazy<Task<string>> Interpreter = new(FindInterpreterAsync);

    /// <summary>Runs one check of the script in its own namespace; its JSON findings, or a failure with its stderr.</summary>
    public static async Task<JsonObject> CheckAsync(string kubeconfig, string check, string ns, CancellationToken cancellationToken)
    {
        var python = await Interpreter.Value.WaitAsync(Timeout, cancellationToken);
        var script = Path.Combine(AppContext.BaseDirectory, "Python", "client_checks.py");
        var (code, stdout, stderr) = await Testing.ChildProcess.RunAsync(python, [script, kubeconfig, check, ns], Timeout, cancellationToken);
        Assert.True(code == 0, $"client_checks.py {check} exited {code}:\n{stderr}");
        return JsonNode.Parse(stdout)!.AsObject();
    }

    private static async Task<string> FindInterpreterAsync()
    {
        foreach (var candidate in Interpreters)
        {
            try
            {
                var (code, _, _) = await Testing.ChildProcess.RunAsync(candidate, ["-c", "import kubernetes"], Timeout, CancellationToken.None);
                if (code == 0)
                {
                    return candidate;
                }
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                Trace.WriteLine($"{candidate}: {e.Message}");
            }
        }

        throw new InvalidOperationException("python3 with the kubernetes module (Debian package python3-kubernetes) not found: run scripts/setup.sh");
    }
}
