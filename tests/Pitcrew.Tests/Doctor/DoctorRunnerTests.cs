using Pitcrew.Cluster;
using Pitcrew.Doctor;

namespace Pitcrew.Tests.Doctor;

public sealed class DoctorRunnerTests
{
    /// <summary>Answers like an API server whose RBAC forbids pods and events, without metrics-server.</summary>
    private sealed class ForbiddenPodsApi : IDoctorApi
    {
        public (string Host, int Port)? ServerEndpoint => null;

        public Task<IReadOnlyList<NodeFacts>> ListNodesAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<NodeFacts>>([Cluster.Node("w-1") with { InternalIp = null }]);

        public Task<IReadOnlyDictionary<string, DateTimeOffset?>> ListNodeLeasesAsync(CancellationToken cancellationToken) =>
            throw new NotAuthorizedException("node leases", "leases.coordination.k8s.io is forbidden");

        public Task<IReadOnlyList<PodFacts>> ListPodsAsync(string? ns, CancellationToken cancellationToken) =>
            throw new NotAuthorizedException(ns is null ? "pods" : $"pods in namespace {ns}", "pods is forbidden: User \"dev\" cannot list resource \"pods\"");

        public Task<IReadOnlyList<EventFacts>> ListWarningEventsAsync(string? ns, CancellationToken cancellationToken) =>
            throw new NotAuthorizedException("events", "events is forbidden");

        public Task<IReadOnlyList<NodeUsage>?> NodeUsageAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<NodeUsage>?>(null);

        public Task<string?> ServerVersionAsync(CancellationToken cancellationToken) => Task.FromResult<string?>("v1.31.2");
    }

    [Fact]
    public async Task Run_ForbiddenLists_AreInfoFindingsAndMissingMetricsANote()
    {
        var report = await new DoctorRunner(new ForbiddenPodsApi(), new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Cluster.Now))
            .RunAsync(new DoctorOptions(DoctorScope.Cluster), TestContext.Current.CancellationToken);
        var denied = report.Findings.Where(f => f.Id == CheckIds.NotAuthorized).Select(f => f.Symptom).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["not authorized to check events", "not authorized to check node leases", "not authorized to check pods"], denied);
        Assert.All(report.Findings, f => Assert.Equal(Severity.Info, f.Severity));
        Assert.Contains(report.Notes, n => n.Contains("metrics API", StringComparison.Ordinal));
        Assert.Contains(report.Notes, n => n.StartsWith("etcd not checked", StringComparison.Ordinal));
    }
}
