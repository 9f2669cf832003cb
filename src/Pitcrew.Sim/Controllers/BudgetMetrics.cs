using System.Collections.Concurrent;
using System.Text;

namespace Pitcrew.Sim.Controllers;

/// <summary>
/// What the disruption controller saw, for /metrics: how many budget statuses it computed, and per budget how often its
/// healthy pods fell below the desired count (a violation: currentHealthy went from &gt;= desiredHealthy to &lt; desiredHealthy).
/// </summary>
internal sealed class BudgetMetrics
{
    private readonly ConcurrentDictionary<(string Namespace, string Name), long> _violations = new();
    private long _computations;

    public long Computations => Interlocked.Read(ref _computations);

    public long Violations(string ns, string name) => _violations.GetValueOrDefault((ns, name));

    /// <summary>Counts one computed status; a budget seen for the first time (no old status) starts at zero.</summary>
    public void Observe(string ns, string name, JsonObject? old, JsonObject computed)
    {
        Interlocked.Increment(ref _computations);
        var broken = old is not null && Healthy(old) is var (wasHealthy, wasDesired) && wasHealthy >= wasDesired
            && Healthy(computed) is var (healthy, desired) && healthy < desired;
        _violations.AddOrUpdate((ns, name), broken ? 1 : 0, (_, n) => broken ? n + 1 : n);
    }

    public string Render()
    {
        var text = new StringBuilder();
        text.Append("# HELP sim_pdb_status_computations_total PodDisruptionBudget statuses computed by the disruption controller.\n");
        text.Append("# TYPE sim_pdb_status_computations_total counter\n");
        text.Append(CultureInfo.InvariantCulture, $"sim_pdb_status_computations_total {Computations}\n");
        text.Append("# HELP sim_pdb_violations_total Times a budget's healthy pods fell from at least to below its desired count.\n");
        text.Append("# TYPE sim_pdb_violations_total counter\n");
        foreach (var ((ns, name), count) in _violations.OrderBy(p => p.Key))
        {
            text.Append(CultureInfo.InvariantCulture, $"sim_pdb_violations_total{{namespace=\"{ns}\",name=\"{name}\"}} {count}\n");
        }

        return text.ToString();
    }

    private static (int Healthy, int Desired)? Healthy(JsonNode? status) =>
        (int?)status?["currentHealthy"] is { } healthy && (int?)status["desiredHealthy"] is { } desired ? (healthy, desired) : null;
}
