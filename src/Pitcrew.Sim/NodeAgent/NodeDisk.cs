using Pitcrew.Executors;

namespace Pitcrew.Sim.NodeAgent;

/// <summary>
/// The simulated nodes' files: a node path is DIR/nodes/NODE/PATH on the sim's disk. Writes uploads atomically
/// (temporary name, 0600, fsync, rename) and answers sha256sum, both without the store (a quorum may be down).
/// </summary>
internal sealed class NodeDisk(string directory)
{
    /// <summary>A node path on the sim's disk: DIR/nodes/NODE/PATH.</summary>
    public string Map(string node, string path) => Path.Combine(directory, "nodes", node) + Path.GetFullPath(path);

    /// <summary>A file a command names: the node's copy when there is one, else the path as given (the sim's nodes share the host's disk).</summary>
    public string MapFile(string node, string path) => File.Exists(Map(node, path)) ? Map(node, path) : path;

    /// <summary>Writes the body to the node path, atomically and owner-only; returns the bytes written.</summary>
    public async Task<long> WriteAsync(string node, string path, Stream body, CancellationToken cancellationToken)
    {
        if (!path.StartsWith('/'))
        {
            throw ApiStatus.BadRequest($"path {path}: must be absolute");
        }

        return await UploadCopy.ToFileAsync(body, Map(node, path), null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>sha256sum FILE...: "HASH  FILE" per file, as coreutils prints it; a missing file is reported and exits 1.</summary>
    public async Task<int> Sha256SumAsync(AgentCall call, CancellationToken cancellationToken)
    {
        var status = 0;
        foreach (var file in call.Operands(1))
        {
            var mapped = MapFile(call.Node, file);
            if (!File.Exists(mapped))
            {
                status = call.Fail(1, $"sha256sum: {file}: No such file or directory");
                continue;
            }

            call.Out($"{await Restore.SnapshotHashes.OfFileAsync(mapped, cancellationToken).ConfigureAwait(false)}  {file}");
        }

        return status;
    }
}
