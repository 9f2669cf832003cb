using Pitcrew.Backups;
using Pitcrew.Doctor;
using Pitcrew.Etcd;

namespace Pitcrew.Upgrade.Preflight;

/// <summary>When the upgrade window ends: a fixed time, or a length from now.</summary>
internal sealed record UpgradeWindow(DateTimeOffset? End, TimeSpan Length)
{
    public static UpgradeWindow Default { get; } = new(null, SafetyLimits.Window);

    public DateTimeOffset EndFrom(DateTimeOffset now) => End ?? now + Length;
}

/// <summary>What to read for the recovery checks: etcd (null: not checked), the backup store (null: none given) and the limits.</summary>
/// <param name="Store">The store's URL as shown, and how to list its manifests.</param>
internal sealed record SafetyRequest(
    EtcdConnectionOptions? Etcd,
    (string Url, Func<CancellationToken, Task<IReadOnlyList<BackupManifest>>> List)? Store,
    UpgradeWindow Window)
{
    public long EtcdQuotaBytes { get; init; } = Thresholds.EtcdDefaultQuota;

    public TimeSpan MaxBackupAge { get; init; } = SafetyLimits.MaxBackupAge;

    public TimeSpan ProbeTimeout { get; init; } = TlsProbe.DefaultTimeout;

    /// <summary>Where <see cref="Etcd"/> came from (--endpoints, or the pods that advertise it); with no etcd, why none is known.</summary>
    public ClusterEtcdSource? EtcdSource { get; init; }
}

/// <summary>
/// Reads the facts of the recovery checks through the doctor's gathering: etcd's members, the store's backups, and the serving
/// certificates of the API server, every kubelet and the etcd members from their TLS handshakes. Reads only.
/// </summary>
internal static class SafetyGathering
{
    public static async Task<SafetyFacts> ReadAsync(IDoctorApi api, SafetyRequest request, TimeProvider time, CancellationToken cancellationToken)
    {
        var etcdTask = request.Etcd is { } etcd ? EtcdEndpoints.MembersAsync(etcd, cancellationToken) : Task.FromResult<IReadOnlyList<MemberStatus>>([]);
        var backupsTask = request.Store is { } store ? BackupsAsync(store.Url, store.List, cancellationToken) : Task.FromResult<BackupStoreFacts?>(null);
        var apiTask = api.ServerEndpoint is { } server ? TlsProbe.ProbeAsync("kube-apiserver", server.Host, server.Port, request.ProbeTimeout, cancellationToken) : null;
        var unread = new List<string>();
        IReadOnlyList<ProbeResult> kubelets = [];
        try
        {
            var nodes = await api.ListNodesAsync(cancellationToken).ConfigureAwait(false);
            kubelets = await DoctorGathering.ProbeKubeletsAsync(nodes, DoctorOptions.DefaultProbeConcurrency, request.ProbeTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (NotAuthorizedException e)
        {
            unread.Add($"the kubelets (nodes not readable: {e.Message})");
        }

        var apiProbe = apiTask is null ? null : await apiTask.ConfigureAwait(false);
        var listed = await etcdTask.ConfigureAwait(false);
        IReadOnlyList<EndpointStatus> members = [.. listed.Select(m => m.Status)];
        var etcdCertificates = await DoctorGathering.EtcdCertificatesAsync(members, request.Etcd, DoctorOptions.DefaultProbeConcurrency, request.ProbeTimeout, cancellationToken)
            .ConfigureAwait(false);
        var survey = CertificateSurvey.From(apiProbe, kubelets, etcdCertificates);
        var certificates = unread.Count == 0 ? survey : survey with { Unread = [.. unread, .. survey.Unread] };

        var now = time.GetUtcNow();
        return new SafetyFacts(
            now,
            request.Etcd is null ? null : new EtcdMemberFacts(members, request.EtcdQuotaBytes) { Named = EtcdMembers.Name(listed, request.EtcdSource?.Pods ?? []) },
            await backupsTask.ConfigureAwait(false),
            request.MaxBackupAge,
            certificates,
            request.Window.EndFrom(now))
        {
            EtcdSource = request.EtcdSource,
        };
    }

    private static async Task<BackupStoreFacts?> BackupsAsync(string url, Func<CancellationToken, Task<IReadOnlyList<BackupManifest>>> list, CancellationToken cancellationToken)
    {
        try
        {
            return new BackupStoreFacts(url, await list(cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is Errors.PitcrewException or IOException or UnauthorizedAccessException)
        {
            // The store adapters report unreachable, refused and unreadable stores this way: a finding, not a crash of the whole preflight.
            return new BackupStoreFacts(url, null, e.Message);
        }
    }
}
