namespace Pitcrew.Backups.Retention;

/// <summary>What retention needs to know about one stored backup: its name, when it was taken, its tags and whether it verified.</summary>
public sealed record RetentionCandidate(string Name, DateTimeOffset CreatedAt, IReadOnlyList<string> Tags, bool Verified);
