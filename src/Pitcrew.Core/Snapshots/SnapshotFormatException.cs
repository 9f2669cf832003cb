namespace Pitcrew.Snapshots;

/// <summary>The snapshot file is missing, unreadable, not a snapshot, truncated or corrupt.</summary>
public sealed class SnapshotFormatException : PitcrewException
{
    public SnapshotFormatException(string message, int exitCode, Exception? innerException = null)
        : base(message, exitCode, innerException)
    {
    }

    public SnapshotFormatException()
        : base("invalid snapshot", ExitCodes.Corrupt)
    {
    }

    public SnapshotFormatException(string message)
        : base(message, ExitCodes.Corrupt)
    {
    }

    public SnapshotFormatException(string message, Exception innerException)
        : base(message, ExitCodes.Corrupt, innerException)
    {
    }

    internal static SnapshotFormatException NotASnapshot(string path, string why) =>
        new($"{path}: not an etcd snapshot: {why}", ExitCodes.NotASnapshot);

    internal static SnapshotFormatException Truncated(string path, string why) =>
        new($"{path}: truncated snapshot: {why}", ExitCodes.Truncated);

    internal static SnapshotFormatException Corrupt(string path, string why) =>
        new($"{path}: corrupt snapshot: {why}", ExitCodes.Corrupt);
}
