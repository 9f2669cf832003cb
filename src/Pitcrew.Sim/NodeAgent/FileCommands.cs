namespace Pitcrew.Sim.NodeAgent;

/// <summary>
/// cat, ls, cp -a and test on a simulated node's disk (DIR/nodes/NODE/PATH), where kubeadm's PKI and kubeconfigs live;
/// the kubelet's certificates are written on first look, so a sim of thousands of nodes pays only for those read.
/// </summary>
internal static class FileCommands
{
    public const string KubeletDirectory = "/var/lib/kubelet";

    public static async Task<int> CatAsync(AgentCall call, NodeDisk disk, CancellationToken cancellationToken)
    {
        var status = 0;
        foreach (var file in call.Operands(1))
        {
            var path = await PrepareAsync(call, disk, file, cancellationToken).ConfigureAwait(false);
            if (Directory.Exists(path))
            {
                status = call.Fail(1, $"cat: {file}: Is a directory");
            }
            else if (!File.Exists(path))
            {
                status = call.Fail(1, $"cat: {file}: No such file or directory");
            }
            else
            {
                foreach (var line in (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).TrimEnd('\n').Split('\n'))
                {
                    call.Out(line);
                }
            }
        }

        return status;
    }

    /// <summary>ls [-1] [-a] PATH...: the names in a directory, sorted as ls sorts them in the C locale, one a line.</summary>
    public static async Task<int> LsAsync(AgentCall call, NodeDisk disk, CancellationToken cancellationToken)
    {
        var status = 0;
        foreach (var file in call.Operands(1))
        {
            var path = await PrepareAsync(call, disk, file, cancellationToken).ConfigureAwait(false);
            if (File.Exists(path))
            {
                call.Out(file);
            }
            else if (Directory.Exists(path))
            {
                foreach (var name in Directory.EnumerateFileSystemEntries(path).Select(Path.GetFileName).Order(StringComparer.Ordinal))
                {
                    call.Out(name!);
                }
            }
            else
            {
                status = call.Fail(2, $"ls: cannot access '{file}': No such file or directory");
            }
        }

        return status;
    }

    /// <summary>cp [-a|-r|-p] SOURCE TARGET: a file, or a directory tree (into TARGET when it is a directory already, as cp does).</summary>
    public static async Task<int> CpAsync(AgentCall call, NodeDisk disk, CancellationToken cancellationToken)
    {
        var operands = call.Operands(1);
        if (operands.Count != 2)
        {
            return call.Fail(1, "cp: missing destination file operand");
        }

        var source = await PrepareAsync(call, disk, operands[0], cancellationToken).ConfigureAwait(false);
        var target = disk.Map(call.Node, operands[1]);
        if (File.Exists(source))
        {
            File.Copy(source, Directory.Exists(target) ? Path.Combine(target, Path.GetFileName(source)) : target, overwrite: true);
            return 0;
        }

        if (!Directory.Exists(source))
        {
            return call.Fail(1, $"cp: cannot stat '{operands[0]}': No such file or directory");
        }

        if (!call.Words.Any(w => w is "-a" or "-r" or "-R" or "-rp" or "-pr" or "--archive" or "--recursive"))
        {
            return call.Fail(1, $"cp: -r not specified; omitting directory '{operands[0]}'");
        }

        CopyTree(source, Directory.Exists(target) ? Path.Combine(target, Path.GetFileName(source)) : target);
        return 0;
    }

    /// <summary>test -e|-f|-d PATH: 0 when it holds, 1 when not.</summary>
    public static async Task<int> TestAsync(AgentCall call, NodeDisk disk, CancellationToken cancellationToken)
    {
        if (call.Words is not [_, var flag and ("-e" or "-f" or "-d"), var file])
        {
            return call.Fail(2, "test: the simulated node knows test -e, -f and -d PATH");
        }

        var path = await PrepareAsync(call, disk, file, cancellationToken).ConfigureAwait(false);
        return flag switch
        {
            "-f" => File.Exists(path),
            "-d" => Directory.Exists(path),
            _ => File.Exists(path) || Directory.Exists(path),
        } ? 0 : 1;
    }

    /// <summary>The host path of a node path; the kubelet's certificates are written first when the path is under its directory.</summary>
    private static async Task<string> PrepareAsync(AgentCall call, NodeDisk disk, string file, CancellationToken cancellationToken)
    {
        if (call.Services.Pki is { } pki && Path.GetFullPath(file).StartsWith(KubeletDirectory, StringComparison.Ordinal)
            && await call.GetNodeAsync(cancellationToken).ConfigureAwait(false) is { } node)
        {
            pki.Kubeadm.EnsureKubelet(call.Node, () => pki.KubeletServing(node), call.Now);
        }

        return disk.Map(call.Node, file);
    }

    private static void CopyTree(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        }

        foreach (var directory in Directory.EnumerateDirectories(source))
        {
            CopyTree(directory, Path.Combine(target, Path.GetFileName(directory)));
        }
    }
}
