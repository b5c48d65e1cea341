using System.Net;
using Orleans.Recovery.Hosting;

namespace Orleans.Recovery.Cluster.Tests.Hosting;

[Trait("Category", "Unit")]
public sealed class AdvertisedAddressTests
{
    [Fact]
    public void AMachineWithANetworkAddressAdvertisesItsFirstIPv4Address()
    {
        var (address, loopbackOnly) = AdvertisedAddress.Choose([IPAddress.Loopback, IPAddress.Parse("fe80::1"), IPAddress.Parse("2001:db8::7"), IPAddress.Parse("169.254.3.4"), IPAddress.Parse("10.1.2.3"), IPAddress.Parse("10.9.9.9")]);

        Assert.Equal((IPAddress.Parse("10.1.2.3"), false), (address, loopbackOnly));
    }

    [Fact]
    public void AnIPv6OnlyMachineAdvertisesItsGlobalIPv6Address()
    {
        var (address, loopbackOnly) = AdvertisedAddress.Choose([IPAddress.IPv6Loopback, IPAddress.Parse("fe80::1"), IPAddress.Parse("2001:db8::7")]);

        Assert.Equal((IPAddress.Parse("2001:db8::7"), false), (address, loopbackOnly));
    }

    [Fact]
    public void AMachineWithOnlyLoopbackAdvertisesLoopbackAndSaysSo()
    {
        var (address, loopbackOnly) = AdvertisedAddress.Choose([IPAddress.Loopback, IPAddress.IPv6Loopback, IPAddress.Parse("169.254.0.9")]);

        Assert.Equal((IPAddress.Loopback, true), (address, loopbackOnly));
    }
}
