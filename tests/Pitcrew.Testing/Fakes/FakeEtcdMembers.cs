using Pitcrew.Etcd;
using Pitcrew.Upgrade;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Testing.Fakes;

/// <summary>
/// Stacked etcd members, one per control-plane node, as the etcd gate reads them: a member restarted by
/// <see cref="Restart"/> does not answer for some reads, then trails the leader's raft index for some more, then is
/// caught up. The leader's index grows by 10 per read. The first member not restarting leads (none when all are).
/// </summary>
internal sealed class FakeEtcdMembers(params string[] nodes) : IEtcdMembersApi
{
    private readonly object _gate = new();
    private readonly Dictionary<string, (int Down, int Behind)> _restarting = new(StringComparer.Ordinal);
    private ulong _index = 100_000;

    public int Reads { get; private set; }

    /// <summary>Whether every member answers and is caught up now.</summary>
    public bool AllHealthy
    {
        get
        {
            lock (_gate)
            {
                return _restarting.Count == 0;
            }
        }
    }

    /// <summary>Restarts the node's member: down for <paramref name="downReads"/> reads, then behind for <paramref name="behindReads"/>.</summary>
    public void Restart(string node, int downReads, int behindReads)
    {
        lock (_gate)
        {
            _restarting[node] = (downReads, behindReads);
        }
    }

    public Task<IReadOnlyList<EtcdMemberState>> ReadMembersAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Reads++;
            _index += 10;
            var members = new List<EtcdMemberState>();
            var leader = (ulong)(Array.FindIndex(nodes, n => !_restarting.ContainsKey(n)) + 1);
            for (var i = 0; i < nodes.Length; i++)
            {
                var url = $"http://10.0.0.1{i + 1}:2379";
                var id = (ulong)(i + 1);
                var state = _restarting.GetValueOrDefault(nodes[i]);
                var status = state.Down > 0
                    ? EndpointStatus.Failed(url, $"{url}: connection refused")
                    : new EndpointStatus(url, id, 9, "3.5.15", 1 << 20, 1 << 20, leader, false, 2, _index, state.Behind > 0 ? _index - 5000 : _index, 50, [], [], null);
                members.Add(new EtcdMemberState(nodes[i], id, url, status));
                if (state.Down > 0)
                {
                    _restarting[nodes[i]] = (state.Down - 1, state.Behind);
                }
                else if (state.Behind > 0)
                {
                    _restarting[nodes[i]] = (0, state.Behind - 1);
                }
                else
                {
                    _restarting.Remove(nodes[i]);
                }
            }

            return Task.FromResult<IReadOnlyList<EtcdMemberState>>(members);
        }
    }
}
