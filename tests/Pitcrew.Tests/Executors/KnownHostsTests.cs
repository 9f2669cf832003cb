using System.Security.Cryptography;
using System.Text;
using Pitcrew.Executors;

namespace Pitcrew.Tests.Executors;

public sealed class KnownHostsTests : IDisposable
{
    private static readonly byte[] Key = Blob("ssh-ed25519", 1);
    private static readonly byte[] OtherKey = Blob("ssh-ed25519", 2);
    private readonly string _path = Path.Combine(Path.GetTempPath(), "pitcrew-kh-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void HashedHostName_MatchesAsOpenSshWritesIt()
    {
        var salt = RandomNumberGenerator.GetBytes(20);
#pragma warning disable CA5350 // known_hosts hashing is HMAC-SHA1 by definition.
        var hash = HMACSHA1.HashData(salt, Encoding.ASCII.GetBytes("[10.0.0.5]:2222"));
#pragma warning restore CA5350
        File.WriteAllText(_path, $"|1|{Convert.ToBase64String(salt)}|{Convert.ToBase64String(hash)} ssh-ed25519 {Convert.ToBase64String(Key)}\n");
        var file = new KnownHosts(_path);

        Assert.Equal(HostKeyVerdict.Known, file.Check("10.0.0.5", 2222, Key));
        Assert.Equal(HostKeyVerdict.Changed, file.Check("10.0.0.5", 2222, OtherKey));
        Assert.Equal(HostKeyVerdict.Unknown, file.Check("10.0.0.5", 22, Key));
    }

    [Fact]
    public void PatternsNegationAndRevokedKeys_AreHonoured()
    {
        File.WriteAllText(_path, $"""
            # comment
            *.example.net,!bad.example.net ssh-ed25519 {Convert.ToBase64String(Key)}
            @revoked * ssh-ed25519 {Convert.ToBase64String(OtherKey)}

            """);
        var file = new KnownHosts(_path);

        Assert.Equal(HostKeyVerdict.Known, file.Check("node1.example.net", 22, Key));
        Assert.Equal(HostKeyVerdict.Unknown, file.Check("bad.example.net", 22, Key));
        Assert.Equal(HostKeyVerdict.Revoked, file.Check("node1.example.net", 22, OtherKey));
    }

    [Fact]
    public void Add_WritesALineCheckFindsAgain_WithTheKeyType()
    {
        var file = new KnownHosts(_path);
        file.Add("127.0.0.1", 2200, Key);

        Assert.StartsWith("[127.0.0.1]:2200 ssh-ed25519 ", File.ReadAllText(_path), StringComparison.Ordinal);
        Assert.Equal(HostKeyVerdict.Known, file.Check("127.0.0.1", 2200, Key));
        Assert.StartsWith("SHA256:", KnownHosts.Fingerprint(Key), StringComparison.Ordinal);
    }

    public void Dispose() => File.Delete(_path);

    /// <summary>A public key blob in SSH wire format: the type string, then (fake) key material.</summary>
    private static byte[] Blob(string type, byte fill)
    {
        var name = Encoding.ASCII.GetBytes(type);
        var blob = new byte[4 + name.Length + 4 + 32];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(blob, name.Length);
        name.CopyTo(blob, 4);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(blob.AsSpan(4 + name.Length), 32);
        blob.AsSpan(8 + name.Length).Fill(fill);
        return blob;
    }
}
