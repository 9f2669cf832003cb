using Pitcrew.Errors;
using Pitcrew.Testing.Sim;

namespace Pitcrew.Cli.Tests.Upgrade;

/// <summary>
/// One simulated kubeadm cluster at v1.30.4 (cp-1, w-1, w-2, and old-1 whose kubelet serving certificate expires in 20
/// days) on a real etcd, with a release table to v1.31, shared by the preflight recovery tests.
/// </summary>
public sealed class PreflightSimFixture() : SimFixture("pitcrew-preflight-"), IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    public string Releases => Path.Combine(Root, "releases.yaml");

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        await File.WriteAllTextAsync(Releases, """
            asOf: 2026-11-01
            minors:
              - { minor: v1.30, latest: v1.30.14, released: 2024-04-17, endOfLife: 2027-06-28, etcd: 3.5.15-0, coredns: v1.11.3 }
              - { minor: v1.31, latest: v1.31.14, released: 2024-08-13, endOfLife: 2027-10-28, etcd: 3.5.15-0, coredns: v1.11.3 }
            """, ct);
        await StartAsync("""
            version: v1.30.4
            nodes:
              - name: cp
                count: 1
                role: control-plane
              - name: w
                count: 2
              - name: old
                count: 1
                kubeletCertExpiresIn: 20d
            """, "preflight-tests", "v1.30.4", ct);

        // The simulated kubelets open their ports and the control-plane pods and coredns turn Ready shortly after the
        // nodes exist: wait until preflight reads all four kubelets and finds nothing but the missing store to warn about.
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            var run = await PitcrewAsync("upgrade", "preflight", "--to", "v1.31", "--releases", Releases, "-o", "json");
            if (run.ExitCode == ExitCodes.Warnings && run.Stdout.Contains("4 kubelets", StringComparison.Ordinal))
            {
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the simulated cluster did not settle within a minute (kubelets serving, control-plane pods Ready):\n" + run.Stdout + run.Stderr);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }
    }

    internal Task<CliRun> PitcrewAsync(params string[] args) =>
        CliRun.InvokeAsync(new Dictionary<string, string> { ["KUBECONFIG"] = Kubeconfig }, args);
}
