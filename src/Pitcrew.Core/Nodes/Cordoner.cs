using System.Globalization;
using Pitcrew.Cluster;

namespace Pitcrew.Nodes;

/// <summary>What cordon or uncordon did to one node.</summary>
internal enum CordonOutcome
{
    Changed,
    AlreadyInState,

    /// <summary>uncordon --only-ours left a node someone else cordoned.</summary>
    LeftAlone,
}

/// <summary>Cordon and uncordon as kubectl does them (a strategic merge patch of spec.unschedulable, nothing sent when already so), marking the nodes Pitcrew cordons.</summary>
internal sealed class Cordoner(INodeApi api, TimeProvider time, IDrainReporter report)
{
    public async Task<CordonOutcome> CordonAsync(NodeFacts node, bool cordon, DryRun dryRun, bool onlyOurs, CancellationToken cancellationToken)
    {
        var verb = cordon ? "cordoned" : "uncordoned";
        if (node.Unschedulable == cordon)
        {
            report.Out($"node/{node.Name} already {verb}{Suffix(dryRun)}");
            return CordonOutcome.AlreadyInState;
        }

        if (!cordon && onlyOurs && !node.CordonedByUs)
        {
            report.Err($"node/{node.Name} left cordoned: it was not cordoned by pitcrew (no {NodeFacts.CordonedByPitcrew} annotation)");
            return CordonOutcome.LeftAlone;
        }

        if (dryRun != DryRun.Client)
        {
            var mark = cordon ? time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : null;
            await api.SetUnschedulableAsync(node.Name, cordon, mark, dryRun == DryRun.Server, cancellationToken).ConfigureAwait(false);
        }

        report.Out($"node/{node.Name} {verb}{Suffix(dryRun)}");
        return CordonOutcome.Changed;
    }

    /// <summary>kubectl's marker after a line printed in a dry run.</summary>
    public static string Suffix(DryRun dryRun) => dryRun switch
    {
        DryRun.Client => " (dry run)",
        DryRun.Server => " (server dry run)",
        _ => string.Empty,
    };
}
