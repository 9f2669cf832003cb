using System.Diagnostics;
using System.Text;
using Etcdserverpb;
using Google.Protobuf;

namespace Pitcrew.Testing;

/// <summary>Data and tool helpers: writes through gRPC, and etcdctl runs against the fixture.</summary>
public sealed partial class EtcdFixture
{
    private static readonly TimeSpan EtcdctlTimeout = TimeSpan.FromSeconds(120);

    public Task PutAsync(string key, string value, long lease = 0) => PutAsync(key, Encoding.UTF8.GetBytes(value), lease);

    public async Task PutAsync(string key, byte[] value, long lease = 0)
    {
        using var channel = CreateChannel();
        await new KV.KVClient(channel).PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value), Lease = lease });
    }

    /// <summary>Bulk load over one channel with a few requests in flight.</summary>
    public async Task PutManyAsync(IEnumerable<(string Key, byte[] Value)> items, int parallelism = 8, CancellationToken cancellationToken = default)
    {
        using var channel = CreateChannel();
        var kv = new KV.KVClient(channel);
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (item, ct) =>
            await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(item.Key), Value = ByteString.CopyFrom(item.Value) }, cancellationToken: ct));
    }

    public async Task DeleteAsync(string key, bool prefix = false)
    {
        using var channel = CreateChannel();
        var request = new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(key) };
        if (prefix)
        {
            request.RangeEnd = ByteString.CopyFrom(PrefixEnd(Encoding.UTF8.GetBytes(key)));
        }

        await new KV.KVClient(channel).DeleteRangeAsync(request);
    }

    /// <summary>The cluster's current revision.</summary>
    public async Task<long> RevisionAsync()
    {
        using var channel = CreateChannel();
        var response = await new KV.KVClient(channel).RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("\0"), Limit = 1 });
        return response.Header.Revision;
    }

    public async Task CompactAsync(long revision, bool physical = true)
    {
        using var channel = CreateChannel();
        await new KV.KVClient(channel).CompactAsync(new CompactionRequest { Revision = revision, Physical = physical });
    }

    public async Task<long> GrantLeaseAsync(long ttlSeconds)
    {
        using var channel = CreateChannel();
        var response = await new Lease.LeaseClient(channel).LeaseGrantAsync(new LeaseGrantRequest { TTL = ttlSeconds });
        return response.ID;
    }

    /// <summary>Adds root (role root) and a reader limited to /app/, then turns authentication on.</summary>
    public async Task EnableAuthAsync(string rootPassword, string readerPassword = "reader-secret")
    {
        using var channel = CreateChannel();
        var auth = new Auth.AuthClient(channel);
        await auth.UserAddAsync(new AuthUserAddRequest { Name = "root", Password = rootPassword });
        await auth.UserGrantRoleAsync(new AuthUserGrantRoleRequest { User = "root", Role = "root" });
        await auth.RoleAddAsync(new AuthRoleAddRequest { Name = "app-reader" });
        await auth.RoleGrantPermissionAsync(new AuthRoleGrantPermissionRequest
        {
            Name = "app-reader",
            Perm = new Authpb.Permission
            {
                PermType = Authpb.Permission.Types.Type.Read,
                Key = ByteString.CopyFromUtf8("/app/"),
                RangeEnd = ByteString.CopyFromUtf8("/app0"),
            },
        });
        await auth.UserAddAsync(new AuthUserAddRequest { Name = "reader", Password = readerPassword });
        await auth.UserGrantRoleAsync(new AuthUserGrantRoleRequest { User = "reader", Role = "app-reader" });
        await auth.AuthEnableAsync(new AuthEnableRequest());
    }

    /// <summary>Runs etcdctl (API v3) against the fixture's endpoints with its TLS flags.</summary>
    public async Task<EtcdctlResult> RunEtcdctlAsync(IEnumerable<string> args, string? endpoints = null, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(EtcdctlBinary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["ETCDCTL_API"] = "3";
        start.ArgumentList.Add("--endpoints=" + (endpoints ?? Endpoints));
        if (Certificates is { } pki)
        {
            start.ArgumentList.Add("--cacert=" + pki.CaCertPath);
            start.ArgumentList.Add("--cert=" + pki.ClientCertPath);
            start.ArgumentList.Add("--key=" + pki.ClientKeyPath);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return await RunAsync(start, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs etcdctl without any endpoint flags (for offline commands such as snapshot status).</summary>
    public static async Task<EtcdctlResult> RunEtcdctlOfflineAsync(IEnumerable<string> args, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(EtcdctlBinary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["ETCDCTL_API"] = "3";
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return await RunAsync(start, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<EtcdctlResult> RunAsync(ProcessStartInfo start, CancellationToken cancellationToken)
    {
        if (!File.Exists(start.FileName))
        {
            throw new InvalidOperationException($"{start.FileName} not found: run scripts/setup.sh");
        }

        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(start, EtcdctlTimeout, cancellationToken).ConfigureAwait(false);
        return new EtcdctlResult(exitCode, stdout, stderr);
    }

    private static byte[] PrefixEnd(byte[] prefix)
    {
        var end = prefix.ToArray();
        for (var i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] < 0xff)
            {
                end[i]++;
                return end[..(i + 1)];
            }
        }

        return [0];
    }
}

/// <summary>What an etcdctl run printed and returned.</summary>
public sealed record EtcdctlResult(int ExitCode, string Stdout, string Stderr);
