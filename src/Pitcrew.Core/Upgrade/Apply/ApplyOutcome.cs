namespace Pitcrew.Upgrade.Apply;

/// <summary>The failed step: where, what ran, what it printed.</summary>
internal sealed record StepFailure(string Node, string Step, string Command, string Reason, string Output);

/// <summary>What the run did: how it ended, the failure if any, and the journal (the timeline).</summary>
internal sealed record ApplyOutcome(ApplyEnd End, StepFailure? Failure, UpgradeJournal Journal, DateTimeOffset? NextWindow);

/// <summary>How a run ended.</summary>
internal enum ApplyEnd
{
    Finished,
    Failed,
    WindowClosed,
}
