using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Api.Validation;
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
    public static IEndpointRouteBuilder MapPublicLinksApi(this IEndpointRouteBuilder app)
    {
        var links = app.MapGroup("").WithTags("Public links").RequireRateLimiting(LinkRateLimits.Policy).ExcludeFromDescription();
        links.MapGet("/r/{token}", Recover);
        links.MapGet("/u/{token}", ShowUnsubscribe);
        links.MapPost("/u/{token}", Unsubscribe).DisableAntiforgery();
        links.MapGet("/d/{token}", ShowDelay);
        links.MapPost("/d/{token}", AnswerDelay).DisableAntiforgery();
        links.MapGet("/f/{token}", ShowRating);
        links.MapPost("/f/{token}", Rate).DisableAntiforgery();
        links.MapGet("/n/{token}", ShowNewsletter);
        links.MapPost("/n/{token}", JoinNewsletter).DisableAntiforgery();
        return app;
    }

    /// <summary>Records the click and redirects, only ever to the restore URL the storefront gave for the cart.</summary>
    public static async Task<IResult> Recover(string token, LinkTokens tokens, IGrainFactory grains)
    {
        if (tokens.Verify(LinkPurpose.Recover, token) is not { } messageId || AbandonedCartPlan.CartIdOf(messageId) is not { } cartId)
        {
            return LinkPages.NotFound();
        }

        // Normalised again here for carts stored before restore URLs were normalised on the way in.
        return await grains.GetGrain<ICartGrain>(cartId).RecordClickAsync(messageId) is { } restoreUrl && HttpUrls.TryNormalize(restoreUrl, out var location)
            ? Results.Redirect(location)
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

    /// <summary>
    /// The delay notice's question, with the link's choice preselected. Opening it records nothing: a mail scanner
    /// opens every link in the notice.
    /// </summary>
    public static async Task<IResult> ShowDelay(string token, string? choice, LinkTokens tokens, IGrainFactory grains, IOptions<SenderOptions> sender)
    {
        if (DelayOf(tokens, token) is not (var orderId, var delayId)
            || await grains.GetGrain<IOrderGrain>(orderId).GetDelayAsync(delayId) is not { } delay)
        {
            return LinkPages.NotFound();
        }

        DelayOption? preselected = DelayOptions.TryParse(choice, out var option) ? option : null;
        return choice is not null && (preselected is null || !delay.Delay.Options.Contains(option))
            ? LinkPages.NotFound()
            : LinkPages.DelayQuestion(sender.Value.FromName, delay, preselected);
    }

    /// <summary>The shopper's answer from the page's button; only an option the notice offered is taken.</summary>
    public static async Task<IResult> AnswerDelay(string token, [FromForm] string? choice, LinkTokens tokens, IGrainFactory grains, IOptions<SenderOptions> sender)
    {
        if (DelayOf(tokens, token) is not (var orderId, var delayId) || !DelayOptions.TryParse(choice, out var option))
        {
            return LinkPages.NotFound();
        }

        return await grains.GetGrain<IOrderGrain>(orderId).RecordDelayChoiceAsync(delayId, option)
            ? LinkPages.DelayAnswered(sender.Value.FromName, option)
            : LinkPages.NotFound();
    }

    /// <summary>The review request's question, with the link's rating preselected. Opening it records nothing.</summary>
    public static IResult ShowRating(string token, string? rating, LinkTokens tokens, IOptions<SenderOptions> sender)
    {
        if (tokens.Verify(LinkPurpose.Feedback, token) is null || rating is not null && Rating(rating) is null)
        {
            return LinkPages.NotFound();
        }

        return LinkPages.RatingQuestion(sender.Value.FromName, Rating(rating));
    }

    /// <summary>A rating from the page's button. The first low one alerts the shop.</summary>
    public static async Task<IResult> Rate(string token, [FromForm] string? rating, LinkTokens tokens, IGrainFactory grains, IOptions<SenderOptions> sender)
    {
        if (tokens.Verify(LinkPurpose.Feedback, token) is not { } messageId || OrderMessages.OrderIdOf(messageId) is not { } orderId || Rating(rating) is not { } value)
        {
            return LinkPages.NotFound();
        }

        return await grains.GetGrain<IOrderGrain>(orderId).RecordRatingAsync(value)
            ? LinkPages.Rated(sender.Value.FromName, value)
            : LinkPages.NotFound();
    }

    /// <summary>The order and delay a genuine delay-notice token names.</summary>
    private static (string OrderId, string DelayId)? DelayOf(LinkTokens tokens, string token) =>
        tokens.Verify(LinkPurpose.DelayChoice, token) is { } messageId
        && OrderMessages.OrderIdOf(messageId) is { } orderId
        && OrderMessages.StepOf(messageId) is ['d', 'e', 'l', 'a', 'y', '-', .. var delayId]
            ? (orderId, delayId)
            : null;

    /// <summary>A rating from 1 to 5, written as a plain number; null for anything else.</summary>
    private static int? Rating(string? text) => text is [>= '1' and <= '5'] ? text[0] - '0' : null;

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
