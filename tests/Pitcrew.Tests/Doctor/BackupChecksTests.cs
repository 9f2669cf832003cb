using Pitcrew.Backups;
using Pitcrew.Doctor;

namespace Pitcrew.Tests.Doctor;

public sealed class BackupChecksTests
{
    private const string Store = "file:///var/backups/etcd";
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Check_EmptyStore_IsCriticalAndSaysHowToTakeOne()
    {
        var finding = Assert.Single(BackupChecks.Check(Store, [], Now, TimeSpan.FromHours(25)));
        Assert.Equal(CheckIds.EtcdBackupMissing, finding.Id);
        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Contains("pitcrew etcd backup create --store " + Store, finding.Remedy, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, null)] // fresh
    [InlineData(30, "Warning")] // a missed day
    [InlineData(24 * 8, "Critical")] // more than seven allowed ages
    public void Check_NewestBackupAge_AgainstMaxAge(int hoursOld, string? severity)
    {
        var backups = new[] { Manifest("old", hoursOld + 24), Manifest("newest", hoursOld) };
        var findings = BackupChecks.Check(Store, backups, Now, TimeSpan.FromHours(25)).ToList();
        if (severity is null)
        {
            Assert.Empty(findings);
            return;
        }

        var stale = Assert.Single(findings);
        Assert.Equal(CheckIds.EtcdBackupStale, stale.Id);
        Assert.Equal(Enum.Parse<Severity>(severity), stale.Severity);
        Assert.Contains(stale.Evidence, e => e.StartsWith("newest: newest,", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_FreshButNoneVerified_IsAWarning()
    {
        var finding = Assert.Single(BackupChecks.Check(Store, [Manifest("unchecked", 1, verified: false)], Now, TimeSpan.FromHours(25)));
        Assert.Equal(CheckIds.EtcdBackupUnverified, finding.Id);
        Assert.Equal(Severity.Warning, finding.Severity);
    }

    private static BackupManifest Manifest(string name, int hoursOld, bool verified = true) => new(
        BackupManifest.CurrentFormat,
        name,
        Now.AddHours(-hoursOld),
        Now.AddHours(-hoursOld).AddMinutes(1),
        "0.1.0",
        new BackupSource("http://127.0.0.1:2379", "3.4.23", "cdf818194e3a8c32", "8e9e05c52164694d"),
        new BackupSnapshotInfo(42, 0, 4096, new string('0', 64), 10, null, new Dictionary<string, long>()),
        new BackupObjectInfo(name + ".db", 4096, new string('0', 64), "none", null),
        [],
        verified);
}
