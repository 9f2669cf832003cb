namespace Pitcrew.Snapshots.Bolt;

/// <summary>Receives a bbolt file's buckets and pairs in key order during <see cref="BoltWalker.Walk"/>.</summary>
internal abstract class BoltVisitor
{
    /// <summary>Called before the pairs of a bucket; depth 1 is a top-level bucket.</summary>
    public virtual void EnterBucket(ReadOnlySpan<byte> name, int depth)
    {
    }

    /// <summary>Called for each pair of the current bucket; a nested bucket arrives with an empty value and isBucket set.</summary>
    public virtual void Pair(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool isBucket, int depth)
    {
    }
}
