namespace Pitcrew.Sim.Controllers;

/// <summary>
/// Objects a controller created and has not yet seen in the cache; while any are outstanding it waits instead of
/// counting again (and creating duplicates), as the real controllers' expectations do.
/// </summary>
internal sealed class Expectations
{
    // kube's controllers wait 5 minutes. 5 s was too short on a loaded CI machine: a Job created a fourth pod for three
    // completions once, when its cache showed a created pod later than that. 30 s still unsticks a lost creation soon.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Dictionary<string, (HashSet<string> Names, DateTimeOffset Until)> _pending = new(StringComparer.Ordinal);

    public void Expect(string owner, IEnumerable<string> names, DateTimeOffset now)
    {
        var set = names.ToHashSet(StringComparer.Ordinal);
        if (set.Count > 0)
        {
            _pending[owner] = (set, now + Patience);
        }
    }

    /// <summary>Waits for a pass's writes, then expects what its creations named (per owner).</summary>
    public async Task SettleAsync(List<Task> writes, List<Task<(string Owner, string[] Names)>> creations, DateTimeOffset now)
    {
        await Task.WhenAll(writes).ConfigureAwait(false);
        foreach (var (owner, names) in await Task.WhenAll(creations).ConfigureAwait(false))
        {
            Expect(owner, names, now);
        }
    }

    /// <summary>Whether the owner still waits for objects it created to show up.</summary>
    public bool Waiting(string owner, IEnumerable<string> seen, DateTimeOffset now)
    {
        if (!_pending.TryGetValue(owner, out var pending))
        {
            return false;
        }

        pending.Names.ExceptWith(seen);
        if (pending.Names.Count == 0 || now > pending.Until)
        {
            _pending.Remove(owner);
            return false;
        }

        return true;
    }
}
