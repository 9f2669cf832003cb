using System.Globalization;
using Pitcrew.Snapshots;

namespace Pitcrew.Restore.Raft;

/// <summary>
/// Writes the raft side of a fresh member: the WAL (identity, one AddNode entry per member, hard state, snapshot
/// marker) and the raft snapshot file TERM-INDEX.snap holding the membership as a v2 store.
/// </summary>
internal static class MemberDirWriter
{
    /// <summary>The term of the bootstrap entries.</summary>
    public const ulong Term = 1;

    /// <summary>The raft index after the bootstrap entries: one per member.</summary>
    public static ulong Commit(ClusterPlan cluster) => (ulong)cluster.Members.Count;

    public static void WriteSnapFile(string snapDir, ClusterPlan cluster)
    {
        var members = cluster.Members;
        var confState = RaftMessages.ConfState(members.Select(m => m.Id));
        var raftSnapshot = RaftMessages.RaftSnapshot(MembershipJson.V2Store(members), confState, Commit(cluster), Term);
        var crc = new Crc32C();
        crc.Append(raftSnapshot);
        var name = string.Create(CultureInfo.InvariantCulture, $"{Term:x16}-{Commit(cluster):x16}.snap");
        using var file = PrivateFiles.CreateNew(Path.Combine(snapDir, name));
        file.Write(RaftMessages.SnapFile(crc.Value, raftSnapshot));
        file.Flush(flushToDisk: true);
    }

    public static void WriteWal(string walDir, ClusterPlan cluster, PlannedMember self)
    {
        var members = cluster.Members;
        using var wal = new WalWriter(walDir);
        wal.Append(WalWriter.MetadataType, RaftMessages.Metadata(self.Id, cluster.ClusterId));
        wal.Append(WalWriter.SnapshotType, RaftMessages.WalSnapshot(0, 0, null));
        for (var i = 0; i < members.Count; i++)
        {
            var change = RaftMessages.AddNode(members[i].Id, MembershipJson.Member(members[i]));
            wal.Append(WalWriter.EntryType, RaftMessages.Entry(RaftMessages.EntryConfChange, Term, (ulong)(i + 1), change));
        }

        wal.Append(WalWriter.StateType, RaftMessages.HardState(Term, members[0].Id, Commit(cluster)));
        var confState = RaftMessages.ConfState(members.Select(m => m.Id));
        wal.Append(WalWriter.SnapshotType, RaftMessages.WalSnapshot(Commit(cluster), Term, confState));
        wal.Complete();
    }
}
