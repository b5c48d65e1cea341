using System.Net;
using System.Net.Sockets;

namespace Orleans.Recovery.Testing;

/// <summary>A port nothing listens on right now, so parallel test hosts never collide.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
