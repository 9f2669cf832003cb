using Pitcrew.Doctor;
using Pitcrew.Testing.Fakes;

namespace Pitcrew.Tests.Doctor;

public sealed class DoctorRunnerTests
{
    /// <summary>Answers like an API server whose RBAC forbids node leases, pods and events, without metrics-server.</summary>
    private static FakeDoctorApi ForbiddenPodsApi()
    {
        var api = new FakeDoctorApi { ServerVersion = "v1.31.2" };
        api.Nodes.Add(Cluster.Node("w-1") with { InternalIp = null });
        api.Forbidden.UnionWith([FakeDoctorApi.LeasesResource, FakeDoctorApi.PodsResource, FakeDoctorApi.EventsResource]);
        return api;
    }

    [Fact]
    public async Task Run_ForbiddenLists_AreInfoFindingsAndMissingMetricsANote()
    {
        var report = await new DoctorRunner(ForbiddenPodsApi(), new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Cluster.Now))
            .RunAsync(new DoctorOptions(DoctorScope.Cluster), TestContext.Current.CancellationToken);
        var denied = report.Findings.Where(f => f.Id == CheckIds.NotAuthorized).Select(f => f.Symptom).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["not authorized to check events", "not authorized to check node leases", "not authorized to check pods"], denied);
        Assert.All(report.Findings, f => Assert.Equal(Severity.Info, f.Severity));
        Assert.Contains(report.Notes, n => n.Contains("metrics API", StringComparison.Ordinal));
        Assert.Contains(report.Notes, n => n.StartsWith("etcd not checked", StringComparison.Ordinal));
    }
}
