using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pitcrew.Restore.Raft;

/// <summary>
/// The JSON documents etcd keeps about members: the member record (raft entry context and the backend's members
/// bucket) and the v2 store that the raft snapshot carries, holding /0/members/ID/raftAttributes for each member.
/// </summary>
internal static class MembershipJson
{
    private const string ZeroTime = "0001-01-01T00:00:00Z";
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>{"id":N,"peerURLs":[...],"name":"..."} as Go marshals etcd's Member.</summary>
    public static byte[] Member(PlannedMember member) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("id", member.Id);
        WriteUrls(w, member.PeerUrls);
        w.WriteString("name", member.Name);
        w.WriteEndObject();
    });

    /// <summary>raftpb.ConfState as etcd 3.5+ stores it in the meta bucket.</summary>
    public static byte[] ConfState(IEnumerable<ulong> voters) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray("voters");
        foreach (var voter in voters)
        {
            w.WriteNumberValue(voter);
        }

        w.WriteEndArray();
        w.WriteBoolean("auto_leave", false);
        w.WriteEndObject();
    });

    /// <summary>The v2 store after adding each member (ascending ID) to an empty store with /0 and /1.</summary>
    public static byte[] V2Store(IReadOnlyList<PlannedMember> membersById) => Write(w =>
    {
        w.WriteStartObject();
        w.WritePropertyName("Root");
        Node(w, "/", 0, () =>
        {
            w.WritePropertyName("0");
            Node(w, "/0", 0, () =>
            {
                w.WritePropertyName("members");
                Node(w, "/0/members", 1, () =>
                {
                    for (var i = 0; i < membersById.Count; i++)
                    {
                        var member = membersById[i];
                        var index = (ulong)(i + 1);
                        var dir = "/0/members/" + member.IdHex;
                        w.WritePropertyName(member.IdHex);
                        Node(w, dir, index, () =>
                        {
                            w.WritePropertyName("raftAttributes");
                            Leaf(w, dir + "/raftAttributes", index, RaftAttributes(member));
                        });
                    }
                });
            });
            w.WritePropertyName("1");
            Node(w, "/1", 0, () => { });
        });
        w.WriteNumber("CurrentIndex", membersById.Count);
        w.WriteNumber("CurrentVersion", 2);
        w.WriteEndObject();
    });

    private static string RaftAttributes(PlannedMember member) => Encoding.UTF8.GetString(Write(w =>
    {
        w.WriteStartObject();
        WriteUrls(w, member.PeerUrls);
        w.WriteEndObject();
    }));

    private static void WriteUrls(Utf8JsonWriter w, IReadOnlyList<string> urls)
    {
        w.WriteStartArray("peerURLs");
        foreach (var url in urls)
        {
            w.WriteStringValue(url);
        }

        w.WriteEndArray();
    }

    private static void Node(Utf8JsonWriter w, string path, ulong index, Action children)
    {
        w.WriteStartObject();
        Header(w, path, index);
        w.WriteString("Value", string.Empty);
        w.WriteStartObject("Children");
        children();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Leaf(Utf8JsonWriter w, string path, ulong index, string value)
    {
        w.WriteStartObject();
        Header(w, path, index);
        w.WriteString("Value", value);
        w.WriteNull("Children");
        w.WriteEndObject();
    }

    private static void Header(Utf8JsonWriter w, string path, ulong index)
    {
        w.WriteString("Path", path);
        w.WriteNumber("CreatedIndex", index);
        w.WriteNumber("ModifiedIndex", index);
        w.WriteString("ExpireTime", ZeroTime);
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Options))
        {
            body(writer);
        }

        return stream.ToArray();
    }
}
