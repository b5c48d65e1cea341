using Microsoft.Extensions.Options;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Links;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.Api.Links;

/// <summary>
/// The links in emails. They need no key: the signed token is the authority. A tampered or expired token gets
/// the same plain 404 as an unknown one, revealing nothing.
/// </summary>
public static class PublicLinksApi
{
    public const string RateLimitPolicy = "public-links";

    public static IEndpointRouteBuilder MapPublicLinksApi(this IEndpointRouteBuilder app)
    {
        var links = app.MapGroup("").WithTags("Public links").RequireRateLimiting(RateLimitPolicy).ExcludeFromDescription();
        links.MapGet("/r/{token}", Recover);
        links.MapGet("/u/{token}", ShowUnsubscribe);
        links.MapPost("/u/{token}", Unsubscribe).DisableAntiforgery();
        return app;
    }

    /// <summary>Records the click and redirects, only ever to the restore URL the storefront gave for the cart.</summary>
    public static async Task<IResult> Recover(string token, LinkTokens tokens, IGrainFactory grains)
    {
        if (tokens.Verify(LinkPurpose.Recover, token) is not { } messageId || CartState.CartIdOf(messageId) is not { } cartId)
        {
            return LinkPages.NotFound();
        }

        return await grains.GetGrain<ICartGrain>(cartId).RecordClickAsync(messageId) is { } restoreUrl
            ? Results.Redirect(restoreUrl)
            : LinkPages.NotFound();
    }

    public static async Task<IResult> ShowUnsubscribe(string token, LinkTokens tokens, IGrainFactory grains, IOptions<SenderOptions> sender)
    {
        if (tokens.Verify(LinkPurpose.Unsubscribe, token) is not { } customerKey)
        {
            return LinkPages.NotFound();
        }

        var unsubscribed = await grains.GetGrain<ICustomerGrain>(customerKey).IsUnsubscribedAsync();
        return LinkPages.Unsubscribe(sender.Value.FromName, unsubscribed);
    }

    /// <summary>RFC 8058 one-click: a mail client POSTs "List-Unsubscribe=One-Click"; the page's button POSTs too.</summary>
    public static async Task<IResult> Unsubscribe(string token, LinkTokens tokens, IGrainFactory grains, IOptions<SenderOptions> sender)
    {
        if (tokens.Verify(LinkPurpose.Unsubscribe, token) is not { } customerKey)
        {
            return LinkPages.NotFound();
        }

        await grains.GetGrain<ICustomerGrain>(customerKey).UnsubscribeAsync();
        return LinkPages.Unsubscribed(sender.Value.FromName);
    }
}
