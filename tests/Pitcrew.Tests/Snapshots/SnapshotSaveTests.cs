using Pitcrew.Errors;
using Pitcrew.Etcd;
using Pitcrew.Snapshots;
using Pitcrew.Testing;

namespace Pitcrew.Tests.Snapshots;

public sealed class SnapshotSaveTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);
    private readonly string _dir = Directory.CreateTempSubdirectory("pitcrew-save-").FullName;

    [Fact]
    public async Task Save_FromPlainEtcd_IsByteIdenticalToEtcdctlsAndPrivate()
    {
        await using var etcd = await Start(new EtcdFixtureOptions());
        await etcd.PutManyAsync(Enumerable.Range(0, 300).Select(i => ($"/registry/configmaps/default/cm-{i}", new byte[i * 10])), cancellationToken: Token);

        var ours = Path.Combine(_dir, "ours.db");
        var result = await Save(ours, etcd.Connection());
        var theirs = Path.Combine(_dir, "theirs.db");
        var etcdctl = await etcd.RunEtcdctlAsync(["snapshot", "save", theirs], cancellationToken: Token);
        Assert.Equal(0, etcdctl.ExitCode);

        Assert.Equal(await File.ReadAllBytesAsync(theirs, Token), await File.ReadAllBytesAsync(ours, Token));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ours));
        Assert.False(File.Exists(ours + ".part"));
        Assert.Equal(301, result.Revision);
        Assert.Equal(new FileInfo(ours).Length, result.Bytes);
    }

    [Fact]
    public async Task Save_FromTlsEtcdWithClientCertificate_Works()
    {
        await using var etcd = await Start(new EtcdFixtureOptions(Tls: true));
        await etcd.PutAsync("/registry/secrets/kube-system/token", "s3cr3t");
        var path = Path.Combine(_dir, "tls.db");
        var result = await Save(path, etcd.Connection());
        Assert.Equal(2, result.Revision);
        var status = await SnapshotReader.VerifyAsync(path, skipHashCheck: false, Token);
        Assert.Equal(1, status.RegistryKeys["secrets"]);
    }

    [Fact]
    public async Task Save_WithWrongCa_FailsAsTlsAndLeavesNoFile()
    {
        await using var etcd = await Start(new EtcdFixtureOptions(Tls: true));
        var path = Path.Combine(_dir, "wrong-ca.db");
        var error = await Assert.ThrowsAsync<PitcrewException>(() =>
            Save(path, etcd.Connection() with { CaCert = etcd.Certificates!.OtherCaCertPath }));
        Assert.Equal(ExitCodes.TlsOrAuth, error.ExitCode);
        Assert.Contains("TLS", error.Message, StringComparison.Ordinal);
        AssertNothingWritten(path);
    }

    [Fact]
    public async Task Save_WithClientCertificateFromAnotherCa_FailsAndLeavesNoFile()
    {
        await using var etcd = await Start(new EtcdFixtureOptions(Tls: true));
        var path = Path.Combine(_dir, "wrong-client.db");
        var pki = etcd.Certificates!;
        var error = await Assert.ThrowsAsync<PitcrewException>(() =>
            Save(path, etcd.Connection() with { Cert = pki.OtherClientCertPath, Key = pki.OtherClientKeyPath }));
        Assert.True(error.ExitCode == ExitCodes.TlsOrAuth, $"exit {error.ExitCode}: {error.Message} / {error.InnerException}");
        AssertNothingWritten(path);
    }

    [Fact]
    public async Task Save_ToUnreachableEndpoint_FailsAsUnavailableAndKeepsTheExistingFile()
    {
        var path = Path.Combine(_dir, "existing.db");
        await File.WriteAllTextAsync(path, "an older snapshot", Token);
        var endpoint = $"http://127.0.0.1:{FreePorts.Next()}";
        var error = await Assert.ThrowsAsync<PitcrewException>(() =>
            Save(path, new EtcdConnectionOptions([endpoint], DialTimeout: TimeSpan.FromSeconds(1), CommandTimeout: TimeSpan.FromSeconds(3))));
        Assert.Equal(ExitCodes.Unavailable, error.ExitCode);
        Assert.Contains(endpoint, error.Message, StringComparison.Ordinal);
        Assert.Equal("an older snapshot", await File.ReadAllTextAsync(path, Token));
        Assert.False(File.Exists(path + ".part"));
    }

    [Fact]
    public async Task Save_FromThreeMembersWithOneDown_SnapshotsAHealthyFollowerAndSaysWhich()
    {
        await using var etcd = await Start(new EtcdFixtureOptions(Members: 3));
        await etcd.PutAsync("/registry/pods/default/web-0", "running");
        await etcd.KillMemberAsync(0);
        var path = Path.Combine(_dir, "cluster.db");
        var result = await Save(path, etcd.Connection(commandTimeout: TimeSpan.FromSeconds(5)));

        Assert.NotEqual(etcd.Members[0].ClientUrl, result.Endpoint);
        Assert.Contains(result.Skipped, s => s.StartsWith(etcd.Members[0].ClientUrl, StringComparison.Ordinal));
        Assert.Contains("follower", result.Source, StringComparison.Ordinal);
        Assert.True(result.Revision >= 2);
        await SnapshotReader.VerifyAsync(path, skipHashCheck: false, Token);
    }

    [Fact]
    public async Task Save_WithAuthEnabled_NeedsTheRootRole()
    {
        await using var etcd = await Start(new EtcdFixtureOptions());
        await etcd.PutAsync("/app/config", "v1");
        await etcd.EnableAuthAsync("root-pass", "reader-pass");

        var path = Path.Combine(_dir, "auth.db");
        var result = await Save(path, etcd.Connection() with { User = "root:root-pass" });
        Assert.True(result.Revision >= 2);

        var denied = Path.Combine(_dir, "denied.db");
        var error = await Assert.ThrowsAsync<PitcrewException>(() => Save(denied, etcd.Connection() with { User = "reader", Password = "reader-pass" }));
        Assert.True(error.ExitCode == ExitCodes.TlsOrAuth, error.Message);
        AssertNothingWritten(denied);
    }

    [Fact]
    public async Task Save_WhenTheMemberDiesMidStream_KeepsTheOldFileAndLeavesNoPart()
    {
        await using var etcd = await Start(new EtcdFixtureOptions());
        var value = new byte[16 * 1024];
        await etcd.PutManyAsync(Enumerable.Range(0, 2500).Select(i => ($"/registry/secrets/default/s{i}", value)), cancellationToken: Token);
        var path = Path.Combine(_dir, "previous.db");
        await File.WriteAllTextAsync(path, "yesterday's snapshot", Token);

        var killed = 0;
        var progress = new KillOnFirstReport(() =>
        {
            if (Interlocked.Exchange(ref killed, 1) == 0)
            {
                using var process = System.Diagnostics.Process.GetProcessById(etcd.Members[0].Pid);
                process.Kill();
            }
        });
        var error = await Assert.ThrowsAnyAsync<PitcrewException>(() =>
            SnapshotSaver.SaveAsync(new SnapshotSaveOptions(path, etcd.Connection()), progress, TimeProvider.System, Token).WaitAsync(Bound, Token));

        Assert.Equal(1, killed);
        Assert.Equal(ExitCodes.Unavailable, error.ExitCode);
        Assert.Equal("yesterday's snapshot", await File.ReadAllTextAsync(path, Token));
        Assert.False(File.Exists(path + ".part"));
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static Task<EtcdFixture> Start(EtcdFixtureOptions options) => EtcdFixture.StartAsync(options, Token).WaitAsync(Bound, Token);

    private static Task<SnapshotSaveResult> Save(string path, EtcdConnectionOptions connection) =>
        SnapshotSaver.SaveAsync(new SnapshotSaveOptions(path, connection), null, TimeProvider.System, Token).WaitAsync(Bound, Token);

    private static void AssertNothingWritten(string path)
    {
        Assert.False(File.Exists(path));
        Assert.False(File.Exists(path + ".part"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Kills etcd from inside the save, once the first few megabytes have been written.</summary>
    private sealed class KillOnFirstReport(Action kill) : IProgress<SnapshotProgress>
    {
        public void Report(SnapshotProgress value) => kill();
    }
}
