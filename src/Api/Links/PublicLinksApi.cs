using Microsoft.Extensions.Options;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Links;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Orders;

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
        links.MapGet("/d/{token}", AnswerDelay);
        links.MapGet("/f/{token}", GiveFeedback);
        links.MapGet("/n/{token}", ShowNewsletter);
        links.MapPost("/n/{token}", JoinNewsletter).DisableAntiforgery();
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

    /// <summary>The shopper's answer to a delay notice; only an option the notice offered is taken.</summary>
    public static async Task<IResult> AnswerDelay(string token, string? choice, LinkTokens tokens, IGrainFactory grains, IOptions<SenderOptions> sender)
    {
        if (tokens.Verify(LinkPurpose.DelayChoice, token) is not { } messageId
            || OrderState.OrderIdOf(messageId) is not { } orderId
            || OrderState.StepOf(messageId) is not ['d', 'e', 'l', 'a', 'y', '-', .. var delayId]
            || !Enum.TryParse<DelayOption>(choice, ignoreCase: true, out var option) || char.IsDigit(choice![0]))
        {
            return LinkPages.NotFound();
        }

        return await grains.GetGrain<IOrderGrain>(orderId).RecordDelayChoiceAsync(delayId, option)
            ? LinkPages.DelayAnswered(sender.Value.FromName, option)
            : LinkPages.NotFound();
    }

    /// <summary>A rating from the review request. A low one alerts the shop.</summary>
    public static async Task<IResult> GiveFeedback(string token, int? rating, LinkTokens tokens, IGrainFactory grains, IOptions<SenderOptions> sender)
    {
        if (tokens.Verify(LinkPurpose.Feedback, token) is not { } messageId || OrderState.OrderIdOf(messageId) is not { } orderId || rating is not (>= 1 and <= 5))
        {
            return LinkPages.NotFound();
        }

        return await grains.GetGrain<IOrderGrain>(orderId).RecordRatingAsync(rating.Value)
            ? LinkPages.Rated(sender.Value.FromName, rating.Value)
            : LinkPages.NotFound();
    }

    /// <summary>The opt-in page. Opening it records nothing: mail scanners open links too. Only the button's POST counts.</summary>
    public static IResult ShowNewsletter(string token, LinkTokens tokens, IOptions<SenderOptions> sender) =>
        tokens.Verify(LinkPurpose.Newsletter, token) is null ? LinkPages.NotFound() : LinkPages.Newsletter(sender.Value.FromName);

    public static async Task<IResult> JoinNewsletter(string token, LinkTokens tokens, IGrainFactory grains, IOptions<SenderOptions> sender)
    {
        if (tokens.Verify(LinkPurpose.Newsletter, token) is not { } customerKey)
        {
            return LinkPages.NotFound();
        }

        await grains.GetGrain<ICustomerGrain>(customerKey).RecordNewsletterConsentAsync();
        return LinkPages.Subscribed(sender.Value.FromName);
    }
}
