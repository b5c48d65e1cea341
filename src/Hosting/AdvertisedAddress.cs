using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Orleans.Recovery.Hosting;

/// <summary>
/// The address a silo of a cluster tells the others to reach it at, when <c>Recovery:Silo:AdvertisedAddress</c> is not
/// set: the machine's first IPv4 address that is neither loopback nor link-local, else such an IPv6 address. A machine
/// with loopback only (a laptop offline, a network namespace, a sandbox) still starts, on 127.0.0.1: every silo and
/// client of such a cluster runs on that machine anyway.
/// </summary>
public static class AdvertisedAddress
{
    public const string Key = "Recovery:Silo:AdvertisedAddress";

    /// <summary>The address to advertise among <paramref name="addresses"/>, and whether it is only loopback.</summary>
    public static (IPAddress Address, bool LoopbackOnly) Choose(IEnumerable<IPAddress> addresses)
    {
        var candidates = addresses.Where(address => !IPAddress.IsLoopback(address) && !address.IsIPv6LinkLocal && !IsIPv4LinkLocal(address)).ToList();
        var chosen = candidates.FirstOrDefault(address => address.AddressFamily == AddressFamily.InterNetwork)
            ?? candidates.FirstOrDefault(address => address.AddressFamily == AddressFamily.InterNetworkV6);
        return chosen is null ? (IPAddress.Loopback, true) : (chosen, false);
    }

    /// <summary>The unicast addresses of this machine's interfaces that are up.</summary>
    public static IEnumerable<IPAddress> OfThisMachine() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(nic => nic.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown)
            .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address);

    private static bool IsIPv4LinkLocal(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork && address.GetAddressBytes() is [169, 254, ..];
}
