using System.Net;
using System.Net.Sockets;

namespace Pitcrew.Sim.Kubelets;

/// <summary>
/// A /16 of 127.0.0.0/8 for one simulator's node addresses (127.B.x.y), chosen at random and checked free on the kubelet
/// port, so simulators running side by side (parallel tests) never collide.
/// </summary>
internal static class AddressBlock
{
    public const int KubeletPort = 10250;
    private const int First = 16;
    private const int Last = 250;

    public static int Choose()
    {
        for (var attempt = 0; attempt < 64; attempt++)
        {
            var block = Random.Shared.Next(First, Last + 1);
            if (Free(Address(block, 1)))
            {
                return block;
            }
        }

        throw new InvalidOperationException("no free 127.B.0.0/16 block for simulated node addresses");
    }

    /// <summary>The address of the node with this index (1-based) in the block.</summary>
    public static string Address(int block, int index) => $"127.{block}.{index >> 8}.{index & 255}";

    private static bool Free(string address)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(address), KubeletPort));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
