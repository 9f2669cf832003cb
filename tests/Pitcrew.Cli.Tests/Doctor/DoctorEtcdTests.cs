using System.Text.Json;
using Grpc.Core;
using Pitcrew.Etcd;
using Pitcrew.Testing;

namespace Pitcrew.Cli.Tests.Doctor;

/// <summary>A real etcd (TLS, a 1 MiB quota) filled until it raises NOSPACE: `pitcrew doctor etcd` reports the alarm with its remedy.</summary>
public sealed class DoctorEtcdTests
{
    private const long Quota = 1L << 20;

    [Fact]
    public async Task DoctorEtcd_NospaceAlarm_IsCriticalWithCompactDefragDisarm()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(Tls: true, QuotaBackendBytes: Quota), ct);
        using (var client = new EtcdEndpointClient(etcd.Connection(), etcd.Endpoint))
        {
            var value = new byte[64 * 1024];
            var full = false;
            for (var i = 0; i < 200 && !full; i++)
            {
                try
                {
                    await client.PutAsync($"/filler/{i}", value, ct);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
                {
                    full = true;
                }
            }

            Assert.True(full, "etcd never ran out of space");
        }

        var pki = etcd.Certificates!;
        var run = await CliRun.InvokeAsync("doctor", "etcd", "-o", "json", "--endpoints", etcd.Endpoint, "--cacert", pki.CaCertPath, "--cert", pki.ClientCertPath,
            "--key", pki.ClientKeyPath, "--etcd-quota-bytes", Quota.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Pitcrew.Doctor.DoctorExitCodes.Critical, run.ExitCode);
        using var report = JsonDocument.Parse(run.Stdout);
        var alarm = Assert.Single(report.RootElement.GetProperty("findings").EnumerateArray(), f => f.GetProperty("id").GetString() == "etcd.alarm");
        Assert.Equal("critical", alarm.GetProperty("severity").GetString());
        Assert.Contains("NOSPACE", alarm.GetProperty("symptom").GetString(), StringComparison.Ordinal);
        Assert.Contains("quota", alarm.GetProperty("cause").GetString(), StringComparison.Ordinal);
        Assert.Contains("etcdctl alarm disarm", alarm.GetProperty("remedy").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DoctorEtcd_OnThreeMembers_NamesTheMemberDown_AndALearnerNeverPromoted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(Members: 3), ct);
        // etcd accepts a new member once every member has been connected for a few seconds (its strict reconfiguration check).
        EtcdctlResult added;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var peer = $"--peer-urls=http://127.0.0.1:{FreePorts.Next()}";
        while ((added = await etcd.RunEtcdctlAsync(["member", "add", "cp-4", "--learner", peer, "-w", "json"], cancellationToken: ct)).ExitCode != 0
            && added.Stderr.Contains("unhealthy cluster", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500, ct);
        }

        Assert.True(added.ExitCode == 0, added.Stderr);
        var learnerId = JsonDocument.Parse(added.Stdout).RootElement.GetProperty("member").GetProperty("ID").GetUInt64();
        await etcd.KillMemberAsync(2);

        // One endpoint is enough: the member list names the others.
        var run = await CliRun.InvokeAsync("doctor", "etcd", "-o", "json", "--endpoints", etcd.Members[0].ClientUrl, "--dial-timeout", "1s");
        Assert.Equal(Pitcrew.Doctor.DoctorExitCodes.Critical, run.ExitCode);
        using var report = JsonDocument.Parse(run.Stdout);
        var findings = report.RootElement.GetProperty("findings").EnumerateArray().ToList();
        var down = Assert.Single(findings, f => f.GetProperty("id").GetString() == "etcd.member-down" && f.GetProperty("object").GetProperty("name").GetString() == etcd.Members[2].Name);
        Assert.Equal("critical", down.GetProperty("severity").GetString());
        Assert.Contains("losing one more member loses the quorum (2 of 3)", down.GetProperty("symptom").GetString(), StringComparison.Ordinal);
        var learner = Assert.Single(findings, f => f.GetProperty("id").GetString() == "etcd.learner");
        Assert.Equal($"once it caught up with the leader: pitcrew etcd member promote {learnerId:x} (etcdctl member promote {learnerId:x})", learner.GetProperty("remedy").GetString());
        Assert.Single(findings, f => f.GetProperty("id").GetString() == "etcd.member-down" && f.GetProperty("symptom").GetString()!.Contains("never started", StringComparison.Ordinal));
        Assert.DoesNotContain(findings, f => f.GetProperty("id").GetString() == "etcd.member-unreachable");
    }

    [Fact]
    public async Task DoctorEtcd_UnreachableMember_IsCritical()
    {
        var run = await CliRun.InvokeAsync("doctor", "etcd", "-o", "json", "--endpoints", $"http://127.0.0.1:{FreePorts.Next()}", "--dial-timeout", "1s");
        Assert.Equal(Pitcrew.Doctor.DoctorExitCodes.Critical, run.ExitCode);
        using var report = JsonDocument.Parse(run.Stdout);
        Assert.Equal("etcd.member-unreachable", Assert.Single(report.RootElement.GetProperty("findings").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task DoctorEtcd_WithStore_ReportsAMissingBackupThenNothingOnceOneIsFresh()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(), ct);
        var root = Directory.CreateTempSubdirectory("pitcrew-doctor-backups-");
        try
        {
            var store = "file://" + root.FullName;
            var empty = await CliRun.InvokeAsync("doctor", "etcd", "-o", "json", "--endpoints", etcd.Endpoint, "--store", store);
            Assert.Equal(Pitcrew.Doctor.DoctorExitCodes.Critical, empty.ExitCode);
            using (var report = JsonDocument.Parse(empty.Stdout))
            {
                var missing = Assert.Single(report.RootElement.GetProperty("findings").EnumerateArray());
                Assert.Equal("etcd.backup-missing", missing.GetProperty("id").GetString());
                Assert.Contains("pitcrew etcd backup create --store " + store, missing.GetProperty("remedy").GetString(), StringComparison.Ordinal);
            }

            Assert.Equal(0, (await CliRun.InvokeAsync("etcd", "backup", "create", "--store", store, "--endpoints", etcd.Endpoint)).ExitCode);
            var fresh = await CliRun.InvokeAsync("doctor", "etcd", "-o", "json", "--endpoints", etcd.Endpoint, "--store", store, "--max-backup-age", "1h");
            Assert.True(fresh.ExitCode == 0, fresh.Stdout + fresh.Stderr);
            using (var report = JsonDocument.Parse(fresh.Stdout))
            {
                Assert.DoesNotContain(report.RootElement.GetProperty("findings").EnumerateArray(), f => f.GetProperty("id").GetString()!.StartsWith("etcd.backup", StringComparison.Ordinal));
            }
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
