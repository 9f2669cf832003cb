using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Core;
using Pitcrew.Cli.UpgradeCommands;
using Pitcrew.Errors;
using Pitcrew.Etcd;
using Pitcrew.Testing;

namespace Pitcrew.Cli.Tests.Upgrade;

/// <summary>
/// pitcrew upgrade preflight's recovery checks on a simulated cluster: etcd's members read through --endpoints (the sim's
/// etcd, and a real TLS etcd out of space), a backup in a file store, and serving certificates read from the handshakes.
/// </summary>
public sealed class UpgradePreflightRecoveryTests(PreflightSimFixture sim) : IClassFixture<PreflightSimFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Preflight_WithEtcdAndStore_FailsWithoutABackup_PassesOnceOneIsFresh_AndFailsACertificateExpiringInTheWindow()
    {
        var store = "file://" + Directory.CreateDirectory(Path.Combine(sim.Root, "backups-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        string[] preflight = ["upgrade", "preflight", "--to", "v1.31", "--releases", sim.Releases, "--endpoints", sim.EtcdEndpoint, "--store", store];

        var empty = await sim.PitcrewAsync([.. preflight, "-o", "json"]);
        Assert.True(empty.ExitCode == ExitCodes.Blocked, empty.Stdout + empty.Stderr);
        using (var report = JsonDocument.Parse(empty.Stdout))
        {
            var backup = Check(report, "recent backup");
            Assert.Equal("Fail", backup.GetProperty("verdict").GetString());
            Assert.StartsWith("no etcd backup in the store", backup.GetProperty("evidence").GetString(), StringComparison.Ordinal);
            Assert.Contains("pitcrew etcd backup create --store " + store, backup.GetProperty("action").GetString(), StringComparison.Ordinal);

            var etcd = Check(report, "etcd healthy");
            Assert.Equal("Pass", etcd.GetProperty("verdict").GetString());
            Assert.Matches(@"1/1 members answer, leader [0-9a-f]+, no alarms, db [\d.]+[KM]i \(0% of quota 2Gi\)$", etcd.GetProperty("evidence").GetString());

            var certificates = Check(report, "certificates valid");
            Assert.Equal("Warn", certificates.GetProperty("verdict").GetString());
            Assert.Matches(@"^valid past the window's end \S+, but expire within 30 days: kubelet on old-1 not after \S+ \(in (19|20)d\); 5 read \(kube-apiserver, 4 kubelets\)$",
                certificates.GetProperty("evidence").GetString());
        }

        var backupRun = await CliRun.InvokeAsync("etcd", "backup", "create", "--store", store, "--endpoints", sim.EtcdEndpoint);
        Assert.True(backupRun.ExitCode == ExitCodes.Ok, backupRun.Stderr);

        var fresh = await sim.PitcrewAsync([.. preflight, "-o", "json"]);
        using (var report = JsonDocument.Parse(fresh.Stdout))
        {
            var backup = Check(report, "recent backup");
            Assert.Equal("Pass", backup.GetProperty("verdict").GetString());
            Assert.Matches(@"^\S+ in file://\S+, created \d+s ago \(revision \d+, verified\), within --max-backup-age 1h\netcd at \S+ \(--endpoints\) answers$",
                backup.GetProperty("evidence").GetString());
            Assert.Matches(@"^1/1 members' pods Ready; quorum 1 holds while one control plane is upgraded at a time\n1/1 members answer", Check(report, "etcd healthy").GetProperty("evidence").GetString());
            Assert.Equal("Warn", Check(report, "certificates valid").GetProperty("verdict").GetString());
        }

        // The same as text: the table wraps its long cells to a readable width rather than running 250 columns wide.
        var text = await sim.PitcrewAsync(preflight);
        Assert.All(text.Stdout.Split('\n'), line => Assert.True(line.Length <= TextTable.PlainWidth, $"{line.Length} columns: {line}"));
        Assert.Matches(@"recent backup\s+PASS\s+\S+", text.Stdout);

        var stale = await sim.PitcrewAsync([.. preflight, "--max-backup-age", "1ms", "-o", "json"]);
        Assert.Equal(ExitCodes.Blocked, stale.ExitCode);
        using (var report = JsonDocument.Parse(stale.Stdout))
        {
            Assert.Equal("Fail", Check(report, "recent backup").GetProperty("verdict").GetString());
            Assert.StartsWith("the newest etcd backup is", Check(report, "recent backup").GetProperty("evidence").GetString(), StringComparison.Ordinal);
        }

        // A window of 30 days outlasts old-1's certificate: no-go, with the way to renew a kubelet's serving certificate.
        var month = await sim.PitcrewAsync([.. preflight, "--window-end", "720h", "-o", "json"]);
        Assert.Equal(ExitCodes.Blocked, month.ExitCode);
        using (var report = JsonDocument.Parse(month.Stdout))
        {
            var certificates = Check(report, "certificates valid");
            Assert.Equal("Fail", certificates.GetProperty("verdict").GetString());
            Assert.Matches(@"^expire before the window's end \S+: kubelet on old-1 not after", certificates.GetProperty("evidence").GetString());
            Assert.Contains("on old-1 remove kubelet.crt and kubelet.key", certificates.GetProperty("action").GetString(), StringComparison.Ordinal);
        }

        var end = DateTimeOffset.UtcNow.AddDays(25).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var until = await sim.PitcrewAsync([.. preflight, "--window-end", end, "-o", "json"]);
        using (var report = JsonDocument.Parse(until.Stdout))
        {
            var certificates = Check(report, "certificates valid");
            Assert.Equal("Fail", certificates.GetProperty("verdict").GetString());
            Assert.StartsWith($"expire before the window's end {end}: kubelet on old-1", certificates.GetProperty("evidence").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Preflight_TakeBackup_TakesOneWhenNoneIsFresh_AndNoneWhileOneIs()
    {
        var store = "file://" + Directory.CreateDirectory(Path.Combine(sim.Root, "backups-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        string[] preflight = ["upgrade", "preflight", "--to", "v1.31", "--releases", sim.Releases, "--endpoints", sim.EtcdEndpoint, "--store", store, "--take-backup", "-o", "json"];

        var first = await sim.PitcrewAsync(preflight);
        Assert.Contains($"--take-backup: no backup in {store}; taking one tagged preflight", first.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"--take-backup: etcd-\S+ created and verified \(revision \d+", first.Stderr);
        using (var report = JsonDocument.Parse(first.Stdout))
        {
            var backup = Check(report, "recent backup");
            Assert.True(backup.GetProperty("verdict").GetString() == "Pass", backup.ToString());
        }

        var second = await sim.PitcrewAsync(preflight);
        Assert.Matches(@"--take-backup: etcd-\S+ is \d+s old, within --max-backup-age 1h; none taken", second.Stderr);
        var list = await CliRun.InvokeAsync("etcd", "backup", "list", "--store", store, "-o", "json");
        Assert.True(list.ExitCode == ExitCodes.Ok, list.Stderr);
        using (var backups = JsonDocument.Parse(list.Stdout))
        {
            var only = Assert.Single(backups.RootElement.GetProperty("backups").EnumerateArray());
            Assert.Equal(["preflight"], only.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        }

        var nowhere = await sim.PitcrewAsync("upgrade", "preflight", "--to", "v1.31", "--releases", sim.Releases, "--take-backup");
        Assert.Equal(ExitCodes.Usage, nowhere.ExitCode);
        Assert.Contains("--take-backup needs --store URL", nowhere.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preflight_WithoutEtcdFlags_FindsEtcdWhereItsPodAdvertisesIt_AndWithoutAStoreWarns()
    {
        var run = await sim.PitcrewAsync("upgrade", "preflight", "--to", "v1.31", "--releases", sim.Releases, "-o", "json");
        Assert.True(run.ExitCode is ExitCodes.Warnings, run.Stdout + run.Stderr);
        using var report = JsonDocument.Parse(run.Stdout);
        var backup = Check(report, "recent backup");
        Assert.Equal("Warn", backup.GetProperty("verdict").GetString());
        Assert.Equal($"no store given; upgrade apply takes a pre-upgrade backup\netcd at {sim.EtcdEndpoint} (advertised by etcd-cp-1) answers", backup.GetProperty("evidence").GetString());
        var etcd = Check(report, "etcd healthy");
        Assert.Equal("Pass", etcd.GetProperty("verdict").GetString());
        Assert.Matches(@"\n1/1 members answer, leader [0-9a-f]+, no alarms", etcd.GetProperty("evidence").GetString());

        var past = await sim.PitcrewAsync("upgrade", "preflight", "--to", "v1.31", "--releases", sim.Releases, "--window-end", "2020-01-01T00:00:00Z");
        Assert.Equal(ExitCodes.Usage, past.ExitCode);
        Assert.Contains("--window-end \"2020-01-01T00:00:00Z\": want a duration such as 6h or a future time", past.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preflight_EtcdOutOfSpace_IsNoGoWithTheAlarmAndItsRemedy_AndReadsTheMembersCertificate()
    {
        const long quota = 1L << 20;
        await using var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(Tls: true, QuotaBackendBytes: quota), Token);
        using (var client = new EtcdEndpointClient(etcd.Connection(), etcd.Endpoint))
        {
            var value = new byte[64 * 1024];
            var full = false;
            for (var i = 0; i < 200 && !full; i++)
            {
                try
                {
                    await client.PutAsync($"/filler/{i}", value, Token);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
                {
                    full = true;
                }
            }

            Assert.True(full, "etcd never ran out of space");
        }

        var pki = etcd.Certificates!;
        var run = await sim.PitcrewAsync("upgrade", "preflight", "--to", "v1.31", "--releases", sim.Releases, "-o", "json", "--endpoints", etcd.Endpoint,
            "--cacert", pki.CaCertPath, "--cert", pki.ClientCertPath, "--key", pki.ClientKeyPath, "--etcd-quota-bytes", quota.ToString(CultureInfo.InvariantCulture));
        Assert.True(run.ExitCode == ExitCodes.Blocked, run.Stdout + run.Stderr);
        using var report = JsonDocument.Parse(run.Stdout);
        var check = Check(report, "etcd healthy");
        Assert.Equal("Fail", check.GetProperty("verdict").GetString());
        // Named by the member (its node in a kubeadm cluster; here the fixture's member name, as --endpoints names no pods).
        Assert.Matches(@"(; |\n)etcd on [^ ;]+ raised alarm NOSPACE(;|$)", check.GetProperty("evidence").GetString());
        Assert.Contains("etcdctl alarm disarm", check.GetProperty("action").GetString(), StringComparison.Ordinal);
        Assert.Contains("6 read (kube-apiserver, 4 kubelets, 1 etcd member)", Check(report, "certificates valid").GetProperty("evidence").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preflight_WithAnS3Store_PassesOnAFreshBackup_AndFailsWhenTheStoreCannotBeListed()
    {
        await using var s3 = await S3Fixture.StartAsync(Token);
        var environment = new Dictionary<string, string>(S3Fixture.Credentials) { ["KUBECONFIG"] = sim.Kubeconfig, ["PITCREW_S3_RETRY_DELAY_MS"] = "20" };
        var store = S3Fixture.NewStore();
        var backup = await CliRun.InvokeAsync(environment, "etcd", "backup", "create", "--store", store, "--s3-endpoint", s3.Endpoint, "--endpoints", sim.EtcdEndpoint);
        Assert.True(backup.ExitCode == ExitCodes.Ok, backup.Stderr);

        var fresh = await CliRun.InvokeAsync(environment, "upgrade", "preflight", "--to", "v1.31", "--releases", sim.Releases, "--store", store, "--s3-endpoint", s3.Endpoint,
            "--max-backup-age", "10m", "-o", "json");
        using (var report = JsonDocument.Parse(fresh.Stdout))
        {
            var check = Check(report, "recent backup");
            Assert.Equal("Pass", check.GetProperty("verdict").GetString());
            Assert.Matches($@" in {store}, created \d+s ago \(revision \d+, verified\), within --max-backup-age 10m\netcd at {Regex.Escape(sim.EtcdEndpoint)} \(advertised by etcd-cp-1\) answers$",
                check.GetProperty("evidence").GetString());
        }

        var unreachable = await CliRun.InvokeAsync(environment, "upgrade", "preflight", "--to", "v1.31", "--releases", sim.Releases, "--store", store,
            "--s3-endpoint", $"http://127.0.0.1:{FreePorts.Next()}", "-o", "json");
        Assert.Equal(ExitCodes.Blocked, unreachable.ExitCode);
        using (var report = JsonDocument.Parse(unreachable.Stdout))
        {
            var check = Check(report, "recent backup");
            Assert.Equal("Fail", check.GetProperty("verdict").GetString());
            Assert.StartsWith($"cannot list the backups in {store}: ", check.GetProperty("evidence").GetString(), StringComparison.Ordinal);
        }
    }

    private static JsonElement Check(JsonDocument report, string name) =>
        report.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
}
