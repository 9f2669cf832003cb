using Pitcrew.Etcd;
using Pitcrew.Upgrade;

namespace Pitcrew.Tests.Upgrade;

/// <summary>Stacked etcd members for the preflight and gate tests: cp-N is member N at http://10.0.0.1N:2379; member 1 leads unless told otherwise.</summary>
internal static class StackedEtcd
{
    public static string Url(int n) => $"http://10.0.0.1{n}:2379";

    /// <summary>A member that answers, with its applied index (the leader's committed index is <paramref name="committed"/>).</summary>
    public static EtcdMemberState Up(int n, ulong applied = 5000, ulong committed = 5000, int leader = 1, params string[] alarms) =>
        new($"cp-{n}", (ulong)n, Url(n), new EndpointStatus(Url(n), (ulong)n, 9, "3.5.15", 1 << 20, 1 << 20, (ulong)leader, false, 4, committed, applied, 50, [], alarms, null));

    public static EtcdMemberState Down(int n) => new($"cp-{n}", (ulong)n, Url(n), EndpointStatus.Failed(Url(n), $"{Url(n)}: connection refused"));

    public static IReadOnlyList<EtcdMemberState> Healthy(int count = 3) => [.. Enumerable.Range(1, count).Select(n => Up(n))];
}
