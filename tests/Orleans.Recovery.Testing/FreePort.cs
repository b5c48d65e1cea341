using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Orleans.Recovery.Testing;

/// <summary>A port nothing listens on right now, on any address, and never the same one twice in a test run.</summary>
/// <remarks>
/// The product binds its health and API ports on every interface (<c>http://*:port</c>), so a port is asked for on
/// every interface too, not only on loopback. The kernel may hand a port it just gave back out again at once; two
/// processes of one test given the same port would fail to start, and a silo whose health port is taken stops after it
/// has already joined the cluster, so ports handed out are remembered.
/// </remarks>
public static class FreePort
{
    private static readonly ConcurrentDictionary<int, bool> HandedOut = new();

    public static int Next()
    {
        while (true)
        {
            var port = Probe();
            if (HandedOut.TryAdd(port, true))
            {
                return port;
            }
        }
    }

    private static int Probe()
    {
        try
        {
            using var dualMode = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
            dualMode.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
            return ((IPEndPoint)dualMode.LocalEndPoint!).Port;
        }
        catch (SocketException)
        {
            // A machine without IPv6.
            using var ipv4 = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            ipv4.Bind(new IPEndPoint(IPAddress.Any, 0));
            return ((IPEndPoint)ipv4.LocalEndPoint!).Port;
        }
    }
}
