namespace Pitcrew.Sim.Storage;

/// <summary>
/// A change under a watched prefix: a put (created or modified) or a delete, with the value before it; or, when Progress
/// is set, no change but word that everything up to ModRevision has been streamed.
/// </summary>
internal sealed record StoreEvent(bool Deleted, string Key, byte[] Value, long ModRevision, bool Created, byte[]? Previous, bool Progress = false)
{
    public static StoreEvent ProgressAt(long revision) => new(false, string.Empty, [], revision, false, null, Progress: true);
}

/// <summary>The watch asked for a revision etcd has already compacted away.</summary>
internal sealed class RevisionCompactedException(long requested, long compacted)
    : Exception($"too old resource version: {requested} ({compacted})")
{
    public long CompactRevision { get; } = compacted;
}
