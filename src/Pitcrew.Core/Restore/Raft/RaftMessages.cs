namespace Pitcrew.Restore.Raft;

/// <summary>
/// The raftpb, walpb, snappb and etcdserverpb messages a fresh member's data dir holds, encoded field by field
/// (field numbers from etcd's .proto files; scalars always written, as gogoproto does for non-nullable fields).
/// </summary>
internal static class RaftMessages
{
    public const ulong EntryConfChange = 1;
    public const ulong ConfChangeAddNode = 0;

    /// <summary>etcdserverpb.Metadata: the WAL's identity record.</summary>
    public static byte[] Metadata(ulong nodeId, ulong clusterId) =>
        new ProtoWriter().Varint(1, nodeId).Varint(2, clusterId).ToArray();

    /// <summary>raftpb.ConfChange adding one member, with the member's JSON as context.</summary>
    public static byte[] AddNode(ulong nodeId, byte[] context) =>
        new ProtoWriter().Varint(1, 0).Varint(2, ConfChangeAddNode).Varint(3, nodeId).Bytes(4, context).ToArray();

    /// <summary>raftpb.Entry (type=1, term=2, index=3, data=4).</summary>
    public static byte[] Entry(ulong type, ulong term, ulong index, byte[] data) =>
        new ProtoWriter().Varint(1, type).Varint(2, term).Varint(3, index).Bytes(4, data).ToArray();

    /// <summary>raftpb.HardState (term=1, vote=2, commit=3).</summary>
    public static byte[] HardState(ulong term, ulong vote, ulong commit) =>
        new ProtoWriter().Varint(1, term).Varint(2, vote).Varint(3, commit).ToArray();

    /// <summary>raftpb.ConfState with voters only (field 1, one varint per voter).</summary>
    public static byte[] ConfState(IEnumerable<ulong> voters)
    {
        var writer = new ProtoWriter();
        foreach (var voter in voters)
        {
            writer.Varint(1, voter);
        }

        return writer.ToArray();
    }

    /// <summary>raftpb.Snapshot: data=1, metadata=2 {conf_state=1, index=2, term=3}.</summary>
    public static byte[] RaftSnapshot(byte[] data, byte[] confState, ulong index, ulong term)
    {
        var metadata = new ProtoWriter().Bytes(1, confState).Varint(2, index).Varint(3, term).ToArray();
        return new ProtoWriter().Bytes(1, data).Bytes(2, metadata).ToArray();
    }

    /// <summary>walpb.Snapshot: index=1, term=2, conf_state=3 (3.5+; older readers skip it).</summary>
    public static byte[] WalSnapshot(ulong index, ulong term, byte[]? confState)
    {
        var writer = new ProtoWriter().Varint(1, index).Varint(2, term);
        if (confState is not null)
        {
            writer.Bytes(3, confState);
        }

        return writer.ToArray();
    }

    /// <summary>walpb.Record: type=1, crc=2, data=3 (omitted when null).</summary>
    public static byte[] Record(ulong type, uint crc, byte[]? data)
    {
        var writer = new ProtoWriter().Varint(1, type).Varint(2, crc);
        if (data is not null)
        {
            writer.Bytes(3, data);
        }

        return writer.ToArray();
    }

    /// <summary>snappb.Snapshot: crc=1 (CRC-32C of data), data=2.</summary>
    public static byte[] SnapFile(uint crc, byte[] data) =>
        new ProtoWriter().Varint(1, crc).Bytes(2, data).ToArray();
}
