namespace Pitcrew.Backups.Retention;

/// <summary>Keep or delete one backup, with every rule that decided it (at least one).</summary>
public sealed record RetentionDecision(RetentionCandidate Backup, bool Keep, IReadOnlyList<string> Reasons);
