namespace Pitcrew.Snapshots;

/// <summary>Facts about the snapshot file format shared by the writer and the reader.</summary>
internal static class SnapshotFileLayout
{
    /// <summary>etcd appends the SHA-256 of the database bytes to every streamed snapshot.</summary>
    public const int TrailerSize = 32;
}
