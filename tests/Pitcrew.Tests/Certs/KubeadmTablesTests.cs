using Pitcrew.Certs;
using Pitcrew.Doctor;

namespace Pitcrew.Tests.Certs;

/// <summary>kubeadm certs check-expiration's tables and its RESIDUAL TIME column, rendered from rows.</summary>
public sealed class KubeadmTablesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 8, 1, 2, 30, TimeSpan.Zero);

    [Theory]
    [InlineData(365 * 24 * 3600 + 3600, "1y")]
    [InlineData(364 * 24 * 3600 + 3600, "364d")]
    [InlineData(20 * 24 * 3600 - 60, "19d")]
    [InlineData(24 * 3600, "1d")]
    [InlineData(23 * 3600 + 59 * 60, "23h")]
    [InlineData(59 * 60 + 59, "59m")]
    [InlineData(59, "59s")]
    [InlineData(-1, "0s")]
    [InlineData(-2, "<invalid>")]
    [InlineData(-86400, "<invalid>")]
    [InlineData(3653 * 24 * 3600, "10y")]
    public void Residual_IsTheLargestWholeUnit_OrInvalidOnceExpired(long seconds, string expected) =>
        Assert.Equal(expected, KubeadmCertificates.Residual(Now.AddSeconds(seconds), Now));

    [Fact]
    public void Date_IsKubeadmsLayout() => Assert.Equal("Dec 08, 2027 01:02 UTC", KubeadmTables.Date(new DateTimeOffset(2027, 12, 8, 1, 2, 59, TimeSpan.Zero)));

    [Fact]
    public void Render_GivesBothTables_AlignedAsKubeadm()
    {
        var year = Now.AddDays(365);
        CertificateRow[] rows =
        [
            new("ca", Now.AddDays(3650), "9y", null, false, true),
            new("front-proxy-ca", Now.AddDays(3650), "9y", null, true, true),
            new("admin.conf", year, "364d", "ca", false, false),
            new("controller-manager.conf", year, "364d", "ca", false, false),
            new("front-proxy-client", Now.AddHours(-1), "<invalid>", "front-proxy-ca", true, false),
        ];
        string[] expected =
        [
            "CERTIFICATE               EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED",
            "admin.conf                Dec 08, 2027 01:02 UTC   364d            ca                      no",
            "controller-manager.conf   Dec 08, 2027 01:02 UTC   364d            ca                      no",
            "front-proxy-client        Dec 08, 2026 00:02 UTC   <invalid>       front-proxy-ca          yes",
            "",
            "CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED",
            "ca                      Dec 05, 2036 01:02 UTC   9y              no",
            "front-proxy-ca          Dec 05, 2036 01:02 UTC   9y              yes",
        ];
        Assert.Equal(expected, KubeadmTables.Render(rows));
    }

    [Fact]
    public void Align_KeepsEveryColumnAtLeastTenWide_AndTheLastUnpadded()
    {
        Assert.Equal(["A         B", "x         C"], KubeadmTables.Align(["A", "B"], [["x", "C"]]));
        Assert.Equal(["A             B", "long-cell-x   C"], KubeadmTables.Align(["A", "B"], [["long-cell-x", "C"]]));
    }
}
