using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Pitcrew.Doctor;

/// <summary>
/// Reads a server's certificate the cheap way: a TLS 1.2 ClientHello, then the server's Certificate message, which TLS 1.2
/// sends in the clear before any key is agreed. No key exchange, signature check or chain building happens on our side,
/// which was most of the doctor's CPU time when it met 5,000 kubelets (about 2 ms a handshake). The connection is closed
/// after the certificate, as a port scanner would. A server that will not speak TLS 1.2 (an alert, or TLS 1.3 only) gets
/// the full handshake from <see cref="TlsProbe"/> instead.
/// </summary>
internal static class Tls12CertificateReader
{
    private const byte Handshake = 22;
    private const byte Alert = 21;
    private const byte ServerHelloType = 2;
    private const byte CertificateType = 11;
    private const byte ServerHelloDoneType = 14;

    /// <summary>More than any certificate chain a kubelet, etcd member or API server presents.</summary>
    private const int MaxHandshakeBytes = 256 * 1024;

    /// <summary>ECDHE and plain RSA suites with AES-GCM, ChaCha20 and AES-CBC: what Go's and OpenSSL's servers accept for TLS 1.2.</summary>
    private static readonly ushort[] CipherSuites =
    [
        0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC009, 0xC013, 0xC00A, 0xC014, 0x009C, 0x009D, 0x002F, 0x0035,
    ];

    /// <summary>x25519, secp256r1, secp384r1, secp521r1.</summary>
    private static readonly ushort[] Groups = [0x001D, 0x0017, 0x0018, 0x0019];

    /// <summary>ECDSA, RSA-PSS, RSA PKCS#1 and Ed25519 with SHA-256/384/512.</summary>
    private static readonly ushort[] SignatureAlgorithms = [0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0807];

    /// <summary>
    /// The first certificate the server presents, DER encoded; null when the server answers with anything but a TLS 1.2
    /// handshake that shows one (the caller then tries a full handshake). Socket errors and cancellation propagate.
    /// </summary>
    public static async Task<byte[]?> ReadAsync(Socket socket, string host, CancellationToken cancellationToken)
    {
        await socket.SendAsync(ClientHello(host), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        var parser = new ServerFlight();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }

            switch (parser.Feed(buffer.AsSpan(0, read)))
            {
                case FlightResult.Certificate:
                    return parser.Certificate;
                case FlightResult.NotTls12:
                    return null;
            }
        }
    }

    /// <summary>A ClientHello offering TLS 1.2 only (no supported_versions extension), with SNI when the host is a name.</summary>
    internal static byte[] ClientHello(string host)
    {
        var extensions = new List<byte>();
        if (!IPAddress.TryParse(host, out _) && host.Length > 0)
        {
            var name = Encoding.ASCII.GetBytes(host.TrimEnd('.'));
            var entry = new List<byte> { 0 };
            AddU16(entry, name.Length);
            entry.AddRange(name);
            var list = new List<byte>();
            AddU16(list, entry.Count);
            list.AddRange(entry);
            AddExtension(extensions, 0x0000, list);
        }

        AddExtension(extensions, 0x000A, U16List(Groups));
        AddExtension(extensions, 0x000B, [1, 0]);
        AddExtension(extensions, 0x000D, U16List(SignatureAlgorithms));
        AddExtension(extensions, 0x0017, []);
        AddExtension(extensions, 0xFF01, [0]);

        var body = new List<byte> { 3, 3 };
        body.AddRange(RandomNumberGenerator.GetBytes(32));
        body.Add(0);
        AddU16(body, CipherSuites.Length * 2);
        foreach (var suite in CipherSuites)
        {
            AddU16(body, suite);
        }

        body.AddRange([1, 0]);
        AddU16(body, extensions.Count);
        body.AddRange(extensions);

        var message = new List<byte> { 1, (byte)(body.Count >> 16), (byte)(body.Count >> 8), (byte)body.Count };
        message.AddRange(body);
        var record = new List<byte> { Handshake, 3, 1 };
        AddU16(record, message.Count);
        record.AddRange(message);
        return [.. record];
    }

    private static List<byte> U16List(ushort[] values)
    {
        var list = new List<byte>();
        AddU16(list, values.Length * 2);
        foreach (var value in values)
        {
            AddU16(list, value);
        }

        return list;
    }

    private static void AddExtension(List<byte> extensions, ushort type, List<byte> data)
    {
        AddU16(extensions, type);
        AddU16(extensions, data.Count);
        extensions.AddRange(data);
    }

    private static void AddU16(List<byte> bytes, int value)
    {
        bytes.Add((byte)(value >> 8));
        bytes.Add((byte)value);
    }

    internal enum FlightResult
    {
        NeedMore,
        Certificate,
        NotTls12,
    }

    /// <summary>Reassembles the server's records into handshake messages until the Certificate message is whole.</summary>
    internal sealed class ServerFlight
    {
        private readonly List<byte> _records = [];
        private readonly List<byte> _handshake = [];
        private bool _sawServerHello;

        public byte[]? Certificate { get; private set; }

        public FlightResult Feed(ReadOnlySpan<byte> data)
        {
            _records.AddRange(data);
            while (_records.Count >= 5)
            {
                var type = _records[0];
                var length = (_records[3] << 8) | _records[4];
                if (_records[1] != 3 || length > (1 << 14) + 2048)
                {
                    return FlightResult.NotTls12;
                }

                if (_records.Count < 5 + length)
                {
                    return FlightResult.NeedMore;
                }

                if (type != Handshake)
                {
                    // An alert (protocol_version: TLS 1.3 only; handshake_failure: no common suite) or anything else.
                    return FlightResult.NotTls12;
                }

                _handshake.AddRange(_records.GetRange(5, length));
                _records.RemoveRange(0, 5 + length);
                if (_handshake.Count > MaxHandshakeBytes)
                {
                    return FlightResult.NotTls12;
                }

                var result = Messages();
                if (result != FlightResult.NeedMore)
                {
                    return result;
                }
            }

            return FlightResult.NeedMore;
        }

        private FlightResult Messages()
        {
            while (_handshake.Count >= 4)
            {
                var type = _handshake[0];
                var length = (_handshake[1] << 16) | (_handshake[2] << 8) | _handshake[3];
                if (_handshake.Count < 4 + length)
                {
                    return FlightResult.NeedMore;
                }

                var body = _handshake.GetRange(4, length).ToArray();
                _handshake.RemoveRange(0, 4 + length);
                switch (type)
                {
                    case ServerHelloType:
                        // legacy_version 3.3 and no supported_versions extension: TLS 1.2 (a 1.3 server would have refused us).
                        if (body.Length < 2 || body[0] != 3 || body[1] != 3)
                        {
                            return FlightResult.NotTls12;
                        }

                        _sawServerHello = true;
                        break;
                    case CertificateType when _sawServerHello:
                        Certificate = FirstCertificate(body);
                        return Certificate is null ? FlightResult.NotTls12 : FlightResult.Certificate;
                    case ServerHelloDoneType:
                        // Anonymous suites send no certificate; we offer none, so this is not a server we understand.
                        return FlightResult.NotTls12;
                    default:
                        if (!_sawServerHello)
                        {
                            return FlightResult.NotTls12;
                        }

                        break;
                }
            }

            return FlightResult.NeedMore;
        }

        /// <summary>certificate_list: a 3-byte total length, then each certificate as a 3-byte length and DER.</summary>
        private static byte[]? FirstCertificate(byte[] body)
        {
            if (body.Length < 6)
            {
                return null;
            }

            var total = (body[0] << 16) | (body[1] << 8) | body[2];
            var first = (body[3] << 16) | (body[4] << 8) | body[5];
            return total + 3 != body.Length || first == 0 || 6 + first > body.Length ? null : body.AsSpan(6, first).ToArray();
        }
    }
}
