using System.Net;
using System.Net.Sockets;

namespace Pitcrew.Testing;

/// <summary>Free TCP ports on 127.0.0.1, found by binding port 0.</summary>
public static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
