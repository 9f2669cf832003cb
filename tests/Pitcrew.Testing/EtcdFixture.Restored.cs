using System.Diagnostics;
using Pitcrew.Etcd;

namespace Pitcrew.Testing;

/// <summary>Starting real etcd members on data dirs a restore wrote.</summary>
public sealed partial class EtcdFixture
{
    /// <summary>
    /// Starts one etcd per restored member (name, data dir, peer URL as restored) on fresh client ports and waits
    /// for a leader; root (holding the data dirs) is deleted on dispose.
    /// </summary>
    public static async Task<EtcdFixture> StartRestoredAsync(
        string root, IReadOnlyList<RestoredMember> members, string token, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(EtcdBinary))
        {
            throw new InvalidOperationException($"etcd not found at {EtcdBinary}: run scripts/setup.sh");
        }

        var fixture = new EtcdFixture(new EtcdFixtureOptions(Members: members.Count), root, null);
        try
        {
            var initialCluster = string.Join(',', members.Select(m => $"{m.Name}={m.PeerUrl}"));
            foreach (var member in members)
            {
                var client = $"http://127.0.0.1:{FreePorts.Next()}";
                var log = Path.Combine(root, member.Name + ".log");
                var args = new EtcdCommandLine(member.Name, member.DataDir, client, member.PeerUrl, initialCluster, token, LogFile: log).Arguments();
                var start = new ProcessStartInfo(EtcdBinary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var arg in args)
                {
                    start.ArgumentList.Add(arg);
                }

                var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start etcd");
                process.OutputDataReceived += (_, _) => { };
                process.ErrorDataReceived += (_, _) => { };
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                fixture._members.Add(new EtcdMember(member.Name, client, member.PeerUrl, member.DataDir, log, process));
            }

            await fixture.WaitReadyAsync(cancellationToken).ConfigureAwait(false);
            return fixture;
        }
        catch
        {
            await fixture.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

/// <summary>A member as a restore wrote it: the name and peer URL it was restored with, and its data dir.</summary>
public sealed record RestoredMember(string Name, string DataDir, string PeerUrl);
