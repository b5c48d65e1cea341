using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Orleans.Recovery.Links;

namespace Orleans.Recovery.Api.Links;

/// <summary>
/// Rate limits on the public links, by what the link is. A genuine token is limited per token, never per address:
/// behind a proxy every shopper shares one address, and RFC 8058 one-click unsubscribes arrive from a handful of
/// mailbox providers' addresses, thousands a minute after a campaign. Anything else (tampered, expired, guessed) is
/// limited hard per client address, which is what a token-guessing client has to spend.
/// </summary>
public static class LinkRateLimits
{
    public const string Policy = "public-links";

    /// <summary>Uses of one genuine link a minute: a shopper's clicks, a scanner's visits and the button.</summary>
    public const int PerTokenPerMinute = 30;

    /// <summary>Requests a minute from one client with a token that is not ours or no longer valid.</summary>
    public const int InvalidPerClientPerMinute = 10;

    public static RateLimitPartition<string> Partition(HttpContext context)
    {
        if (Genuine(context) is { } link)
        {
            return RateLimitPartition.GetFixedWindowLimiter("link " + link, _ => Window(PerTokenPerMinute));
        }

        return RateLimitPartition.GetFixedWindowLimiter("client " + Client(context.Connection.RemoteIpAddress), _ => Window(InvalidPerClientPerMinute));
    }

    /// <summary>
    /// The client an address stands for: an IPv4 address as itself (also when written in IPv6 form), an IPv6 address
    /// by its /64, the block one subscriber holds and can pick any address from.
    /// </summary>
    public static string Client(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        bytes.AsSpan(8).Clear();
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>
    /// What a genuine, unexpired token of this link's purpose names: the purpose and subject, not the token's text,
    /// since base64url decoding forgives padding and spare bits and several spellings verify as one link.
    /// </summary>
    private static string? Genuine(HttpContext context)
    {
        var path = context.Request.Path.Value;
        if (path is not ['/', var letter, '/', ..] || context.Request.RouteValues["token"] is not string token
            || !Enum.IsDefined((LinkPurpose)letter))
        {
            return null;
        }

        return context.RequestServices.GetRequiredService<LinkTokens>().Verify((LinkPurpose)letter, token) is { } subject ? $"{letter} {subject}" : null;
    }

    private static FixedWindowRateLimiterOptions Window(int permits) =>
        new() { PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 };
}
