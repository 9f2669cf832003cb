using System.Security.Cryptography.X509Certificates;
using Pitcrew.Doctor;
using Pitcrew.Executors;

namespace Pitcrew.Certs;

/// <summary>
/// Reads a node's certificates through its executor (cat of each file, test -f for the CA keys, as root), then judges
/// them as kubeadm's check-expiration does; a missing file is left out, as kubeadm leaves out an external etcd's.
/// </summary>
internal sealed class NodeCertificateReader(INodeExecutor executor, TimeProvider time)
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How many nodes are read at once.</summary>
    public const int Concurrency = 8;

    /// <summary>Every node's certificates, read a few nodes at a time, in the order given.</summary>
    public async Task<IReadOnlyList<NodeCertificates>> ReadAllAsync(IReadOnlyList<CertsNode> nodes, string pkiDirectory, CancellationToken cancellationToken)
    {
        var read = new NodeCertificates[nodes.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, nodes.Count), new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken },
            async (i, ct) => read[i] = await ReadAsync(nodes[i], pkiDirectory, ct).ConfigureAwait(false)).ConfigureAwait(false);
        return read;
    }

    public async Task<NodeCertificates> ReadAsync(CertsNode node, string pkiDirectory, CancellationToken cancellationToken)
    {
        var texts = new Dictionary<string, string?>(StringComparer.Ordinal);
        var present = new HashSet<string>(StringComparer.Ordinal);
        if (node.ControlPlane)
        {
            foreach (var path in KubeadmCertificates.Paths(pkiDirectory))
            {
                if (path.EndsWith(".key", StringComparison.Ordinal))
                {
                    if (await ExistsAsync(node.Name, path, cancellationToken).ConfigureAwait(false))
                    {
                        present.Add(path);
                    }
                }
                else
                {
                    texts[path] = await ReadTextAsync(node.Name, path, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        var now = time.GetUtcNow();
        var (rows, _) = KubeadmCertificates.Read(pkiDirectory, p => texts.GetValueOrDefault(p), present.Contains, now);
        var kubelet = new List<KubeletCertificateRow>();
        foreach (var (name, file) in NodeCertificates.KubeletFiles)
        {
            if (KubeadmCertificates.Parse(file, await ReadTextAsync(node.Name, file, cancellationToken).ConfigureAwait(false)) is { } cert)
            {
                using (cert)
                {
                    var expires = new DateTimeOffset(cert.NotAfter.ToUniversalTime(), TimeSpan.Zero);
                    kubelet.Add(new KubeletCertificateRow(name, file, expires, KubeadmCertificates.Residual(expires, now), Issuer(cert)));
                }
            }
        }

        return new NodeCertificates(node.Name, node.ControlPlane, rows, kubelet);
    }

    /// <summary>The file's text, or null when the node has no such file.</summary>
    public async Task<string?> ReadTextAsync(string node, string path, CancellationToken cancellationToken)
    {
        var result = await RunAsync(node, NodeCommand.Exec("cat", path), cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            return string.Join('\n', result.Output.Where(l => l.Stream == OutputStream.Stdout).Select(l => l.Text)) + "\n";
        }

        if (result.ExitCode == 1 && result.Output.Any(l => l.Text.Contains("No such file", StringComparison.Ordinal)))
        {
            return null;
        }

        throw Unreadable(node, path, result);
    }

    private async Task<bool> ExistsAsync(string node, string path, CancellationToken cancellationToken)
    {
        var result = await RunAsync(node, NodeCommand.Exec("test", "-f", path), cancellationToken).ConfigureAwait(false);
        return result.ExitCode switch
        {
            0 => true,
            1 => false,
            _ => throw Unreadable(node, path, result),
        };
    }

    private Task<CommandResult> RunAsync(string node, NodeCommand command, CancellationToken cancellationToken) =>
        executor.RunAsync(node, command with { Sudo = true, Timeout = ReadTimeout }, null, cancellationToken);

    private static PitcrewException Unreadable(string node, string path, CommandResult result) => new(
        $"node/{node}: cannot read {path} ({result.Command}: exit {result.ExitCode}{(result.TimedOut ? ", timed out" : string.Empty)}: {result.Tail(3)})" +
        (result.SudoHint() is { } hint ? "; " + hint : string.Empty), result.TimedOut ? ExitCodes.Unavailable : ExitCodes.Failed);

    private static string Issuer(X509Certificate2 cert) =>
        cert.IssuerName.Name == cert.SubjectName.Name ? "self-signed" : cert.GetNameInfo(X509NameType.SimpleName, forIssuer: true);
}
