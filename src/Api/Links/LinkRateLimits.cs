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
        if (Genuine(context) is { } token)
        {
            return RateLimitPartition.GetFixedWindowLimiter("token " + token, _ => Window(PerTokenPerMinute));
        }

        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return RateLimitPartition.GetFixedWindowLimiter("client " + client, _ => Window(InvalidPerClientPerMinute));
    }

    /// <summary>The route's token when it is genuine, unexpired and made for this link's purpose.</summary>
    private static string? Genuine(HttpContext context)
    {
        var path = context.Request.Path.Value;
        if (path is not ['/', var letter, '/', ..] || context.Request.RouteValues["token"] is not string token
            || !Enum.IsDefined((LinkPurpose)letter))
        {
            return null;
        }

        return context.RequestServices.GetRequiredService<LinkTokens>().Verify((LinkPurpose)letter, token) is null ? null : token;
    }

    private static FixedWindowRateLimiterOptions Window(int permits) =>
        new() { PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 };
}
