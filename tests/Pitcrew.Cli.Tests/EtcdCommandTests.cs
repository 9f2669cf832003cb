using System.Text.Json;
using Pitcrew.Errors;
using Pitcrew.Testing;

namespace Pitcrew.Cli.Tests;

/// <summary>The etcd commands as an operator runs them, against real etcd.</summary>
public sealed class EtcdCommandTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);
    private readonly string _dir = Directory.CreateTempSubdirectory("pitcrew-cli-etcd-").FullName;

    [Fact]
    public async Task SeedRunbookCommand_WithPitcrewEtcdInPlaceOfEtcdctl_SavesAndVerifies()
    {
        await using var etcd = await Start(new EtcdFixtureOptions(Tls: true));
        await etcd.PutAsync("/registry/pods/default/web-0", "{}");
        var pki = etcd.Certificates!;
        var path = Path.Combine(_dir, "etcd-snapshot.db");

        var save = await CliRun.InvokeAsync("etcd", "snapshot", "save", path,
            $"--endpoints={etcd.Endpoint}", $"--cacert={pki.CaCertPath}", $"--cert={pki.ClientCertPath}", $"--key={pki.ClientKeyPath}");
        Assert.True(save.ExitCode == ExitCodes.Ok, save.Stderr);
        Assert.StartsWith($"Snapshot saved at {path}", save.Stdout, StringComparison.Ordinal);
        Assert.Contains("trailer verified", save.Stdout, StringComparison.Ordinal);

        var verify = await CliRun.InvokeAsync("etcd", "snapshot", "verify", path);
        Assert.Equal(ExitCodes.Ok, verify.ExitCode);
        Assert.Contains(": OK (revision 2,", verify.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_WithEtcdctlEnvironmentVariables_NeedsNoFlags()
    {
        await using var etcd = await Start(new EtcdFixtureOptions(Tls: true));
        var pki = etcd.Certificates!;
        var environment = new Dictionary<string, string>
        {
            ["ETCDCTL_ENDPOINTS"] = etcd.Endpoint,
            ["ETCDCTL_CACERT"] = pki.CaCertPath,
            ["ETCDCTL_CERT"] = pki.ClientCertPath,
            ["ETCDCTL_KEY"] = pki.ClientKeyPath,
        };
        var path = Path.Combine(_dir, "env.db");
        var run = await CliRun.InvokeAsync(environment, "etcd", "snapshot", "save", path, "-o", "json");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.Equal(etcd.Endpoint, json.RootElement.GetProperty("endpoint").GetString());
        Assert.Equal(new FileInfo(path).Length, json.RootElement.GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task Save_WithWrongCa_ExitsTlsAndWritesNothing()
    {
        await using var etcd = await Start(new EtcdFixtureOptions(Tls: true));
        var pki = etcd.Certificates!;
        var path = Path.Combine(_dir, "wrong.db");
        var run = await CliRun.InvokeAsync("etcd", "snapshot", "save", path, "--endpoints", etcd.Endpoint,
            "--cacert", pki.OtherCaCertPath, "--cert", pki.ClientCertPath, "--key", pki.ClientKeyPath);
        Assert.Equal(ExitCodes.TlsOrAuth, run.ExitCode);
        Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task Save_ToUnreachableEndpoint_ExitsUnavailableWithOneLine()
    {
        var path = Path.Combine(_dir, "none.db");
        var run = await CliRun.InvokeAsync("etcd", "snapshot", "save", path, "--endpoints", $"127.0.0.1:{FreePorts.Next()}", "--dial-timeout", "1s");
        Assert.Equal(ExitCodes.Unavailable, run.ExitCode);
        Assert.Matches("^error: 127.0.0.1:[0-9]+: connection refused", run.Stderr);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task Status_AsJson_UsesEtcdctlFieldNamesAndCountsKubernetesObjects()
    {
        await using var etcd = await Start(new EtcdFixtureOptions());
        await etcd.PutAsync("/registry/minions/worker-1", "{}");
        await etcd.PutAsync("/registry/pods/default/web-0", "{}");
        var path = Path.Combine(_dir, "status.db");
        Assert.Equal(ExitCodes.Ok, (await CliRun.InvokeAsync("etcd", "snapshot", "save", path, "--endpoints", etcd.Endpoint)).ExitCode);

        var run = await CliRun.InvokeAsync("etcd", "snapshot", "status", path, "-w", "json");
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("revision").GetInt64());
        Assert.True(root.GetProperty("hash").GetUInt32() > 0);
        Assert.True(root.GetProperty("totalKey").GetInt64() > 2);
        Assert.Equal(0, root.GetProperty("totalSize").GetInt64() % 4096);
        Assert.True(root.GetProperty("trailer").GetProperty("matches").GetBoolean());
        Assert.Equal(1, root.GetProperty("registryKeys").GetProperty("nodes").GetInt64());

        var table = await CliRun.InvokeAsync("etcd", "snapshot", "status", path);
        Assert.Contains("| HASH", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("TOTAL SIZE", table.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EndpointHealthAndStatus_WithOneMemberStopped_ExitNonZeroAndShowTheOthers()
    {
        await using var etcd = await Start(new EtcdFixtureOptions(Members: 3));
        await etcd.KillMemberAsync(1);
        var stopped = etcd.Members[1].ClientUrl;

        var status = await CliRun.InvokeAsync("etcd", "endpoint", "status", "--endpoints", etcd.Endpoints, "--command-timeout", "3s");
        Assert.Equal(ExitCodes.Unavailable, status.ExitCode);
        Assert.Contains($"Failed to get the status of endpoint {stopped}", status.Stderr, StringComparison.Ordinal);
        Assert.Contains(etcd.Members[0].ClientUrl, status.Stdout, StringComparison.Ordinal);
        Assert.Contains(etcd.Members[2].ClientUrl, status.Stdout, StringComparison.Ordinal);

        var health = await CliRun.InvokeAsync("etcd", "endpoint", "health", "--endpoints", etcd.Endpoints, "--command-timeout", "3s", "-o", "json");
        Assert.Equal(ExitCodes.Unavailable, health.ExitCode);
        Assert.Contains("unhealthy cluster", health.Stderr, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(health.Stdout);
        var rows = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(3, rows.Count);
        Assert.False(rows.Single(r => r.GetProperty("endpoint").GetString() == stopped).GetProperty("healthy").GetBoolean());
    }

    [Fact]
    public async Task EndpointStatusAndHealth_WriteOutSimple_PrintEtcdctlsLines()
    {
        await using var etcd = await Start(new EtcdFixtureOptions(Members: 3));
        var token = TestContext.Current.CancellationToken;

        var ours = await CliRun.InvokeAsync("etcd", "endpoint", "status", "--endpoints", etcd.Endpoints, "-w", "simple");
        var theirs = await etcd.RunEtcdctlAsync(["endpoint", "status", "-w", "simple"], cancellationToken: token);
        Assert.True(ours.ExitCode == ExitCodes.Ok, ours.Stderr);
        Assert.Equal(0, theirs.ExitCode);
        // Same fields in the same order; raft indexes move between the two runs, so compare all but those.
        static string[][] Fields(string text) =>
            [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(", ")).Select(f => f.Take(6).ToArray()).OrderBy(f => f[0], StringComparer.Ordinal)];
        Assert.Equal(Fields(theirs.Stdout), Fields(ours.Stdout));
        Assert.All(ours.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Equal(10, l.Split(", ").Length));

        var health = await CliRun.InvokeAsync("etcd", "endpoint", "health", "--endpoints", etcd.Endpoints, "-w", "simple");
        Assert.True(health.ExitCode == ExitCodes.Ok, health.Stderr);
        var lines = health.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, l => Assert.Matches(@"^http://127\.0\.0\.1:[0-9]+ is healthy: successfully committed proposal: took = [0-9.]+(µs|ms|s)$", l));
    }

    private static Task<EtcdFixture> Start(EtcdFixtureOptions options) =>
        EtcdFixture.StartAsync(options, TestContext.Current.CancellationToken).WaitAsync(Bound, TestContext.Current.CancellationToken);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
