using Microsoft.AspNetCore.Mvc;
using Orleans.Recovery.Api.Validation;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Links;
using Orleans.Recovery.Orders;
using Orleans.Reminders;
using Orleans.Recovery.FollowUps;

namespace Orleans.Recovery.Api.Links;

/// <summary>
/// The links in emails. They need no key: the signed token is the authority. A tampered or expired token gets
/// the same plain 404 as an unknown one, revealing nothing.
/// </summary>
public static class PublicLinksApi
{
    public static IEndpointRouteBuilder MapPublicLinksApi(this IEndpointRouteBuilder app)
    {
        var links = app.MapGroup("").WithTags("Public links").RequireRateLimiting(LinkRateLimits.Policy).ExcludeFromDescription()
            .AddEndpointFilter<LinkOutageFilter>();
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
    public static async Task<IResult> Recover(string token, LinkTokens tokens, IGrainFactory grains, LinkPages pages, HttpContext http)
    {
        if (tokens.Read(LinkPurpose.Recover, token) is not { } link)
        {
            return pages.NotFound(http);
        }

        var (sentTo, messageId) = RestorePayload.Parse(link.Payload);
        if (FollowUpId.Parse(messageId)?.Cart is not { } cartId)
        {
            return pages.NotFound(http);
        }

        // Normalised again here for carts stored before restore URLs were normalised on the way in.
        return await grains.GetGrain<ICartGrain>(cartId).RecordClickAsync(messageId, sentTo) switch
        {
            { OwnedBySomeoneElse: true } => Results.Redirect(tokens.FallbackUrl),
            { RestoreUrl: { } restoreUrl } when HttpUrls.TryNormalize(restoreUrl, out var location) => Results.Redirect(location),
            _ => pages.NotFound(http, link.Language),
        };
    }

    /// <summary>
    /// The preference page: a link from a cart's reminder offers to stop that cart's reminders only, or all marketing
    /// email. Opening it records nothing.
    /// </summary>
    public static async Task<IResult> ShowUnsubscribe(string token, LinkTokens tokens, IGrainFactory grains, LinkPages pages, HttpContext http, CustomerKeys keys)
    {
        if (tokens.Read(LinkPurpose.Unsubscribe, token) is not { } link)
        {
            return pages.NotFound(http);
        }

        var (customerKey, cartMessage) = UnsubscribePayload.Parse(link.Payload);
        return await grains.GetGrain<ICustomerGrain>(keys.Current(customerKey)).IsUnsubscribedAsync()
            ? pages.Show(http, link.Language, "unsubscribed", new PageModel { Scope = PreferenceChoice.AllMarketing })
            : pages.Show(http, link.Language, "unsubscribe", new PageModel { OffersCart = CartOf(cartMessage) is not null });
    }

    /// <summary>
    /// The page's choice, or RFC 8058's one-click POST ("List-Unsubscribe=One-Click") from a mail client, which always
    /// stops all marketing email. The choice is kept on the customer, with the reason given, for the operator.
    /// </summary>
    public static async Task<IResult> Unsubscribe(string token, LinkTokens tokens, IGrainFactory grains, LinkPages pages, HttpContext http, CustomerKeys keys, [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock)
    {
        if (tokens.Read(LinkPurpose.Unsubscribe, token) is not { } link)
        {
            return pages.NotFound(http);
        }

        var (customerKey, cartMessage) = UnsubscribePayload.Parse(link.Payload);
        var cartId = CartOf(cartMessage);
        var form = await FormOf(http.Request);

        // RFC 8058: the mail client's body is exactly "List-Unsubscribe=One-Click", and it always means all marketing.
        var oneClick = form is not null && form["List-Unsubscribe"] == "One-Click";
        var scope = oneClick ? PreferenceChoice.AllMarketing : form?["scope"].ToString();
        if (scope is not (PreferenceChoice.AllMarketing or PreferenceChoice.ThisCart) || scope == PreferenceChoice.ThisCart && cartId is null)
        {
            // Neither a choice the page offers (its radio buttons are required, so a browser always sends one) nor a
            // one-click: a client of our own making, told what is wrong, and nothing changes.
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["scope"] = [cartId is null
                    ? "Post scope=all-marketing, or List-Unsubscribe=One-Click (RFC 8058): this link names no cart."
                    : "Post scope=this-cart or scope=all-marketing, or List-Unsubscribe=One-Click (RFC 8058)."],
            });
        }

        var reason = form?["reason"].ToString() is { } given && PreferenceChoice.Reasons.Contains(given) ? given : null;
        if (scope == PreferenceChoice.ThisCart && !await grains.GetGrain<ICartGrain>(cartId!).StopRemindersAsync())
        {
            return pages.NotFound(http, link.Language);
        }

        // A link mailed before keys were keyed names the old key; the customer is found by today's.
        await grains.GetGrain<ICustomerGrain>(keys.Current(customerKey)).RecordPreferenceAsync(new PreferenceChoice(
            clock.GetUtcNow(), scope, scope == PreferenceChoice.ThisCart ? cartId : null, reason, oneClick ? PreferenceChoice.ViaOneClick : PreferenceChoice.ViaPage));
        return pages.Show(http, link.Language, "unsubscribed", new PageModel { Scope = scope });
    }

    /// <summary>
    /// The delay notice's question, with the link's choice preselected. Opening it records nothing: a mail scanner
    /// opens every link in the notice.
    /// </summary>
    public static async Task<IResult> ShowDelay(string token, string? choice, LinkTokens tokens, IGrainFactory grains, LinkPages pages, HttpContext http)
    {
        if (DelayOf(tokens, token) is not (var orderId, var delayId, var language)
            || await grains.GetGrain<IOrderGrain>(orderId).GetDelayAsync(delayId) is not { } delay)
        {
            return pages.NotFound(http);
        }

        DelayOption? preselected = DelayOptions.TryParse(choice, out var option) ? option : null;
        if (choice is not null && (preselected is null || !delay.Delay.Options.Contains(option)))
        {
            return pages.NotFound(http, language);
        }

        var shown = PageLanguage.Of(language, http.Request);
        return pages.Show(http, shown, "delay", new PageModel { Delay = LinkPages.Delay(delay, preselected, shown) });
    }

    /// <summary>The shopper's answer from the page's button; only an option the notice offered is taken.</summary>
    public static async Task<IResult> AnswerDelay(string token, [FromForm] string? choice, LinkTokens tokens, IGrainFactory grains, LinkPages pages, HttpContext http)
    {
        if (DelayOf(tokens, token) is not (var orderId, var delayId, var language) || !DelayOptions.TryParse(choice, out var option))
        {
            return pages.NotFound(http);
        }

        return await grains.GetGrain<IOrderGrain>(orderId).RecordDelayChoiceAsync(delayId, option)
            ? pages.Show(http, language, "delay-answered", new PageModel { Choice = DelayOptions.Name(option) })
            : pages.NotFound(http, language);
    }

    /// <summary>The review request's question, with the link's rating preselected. Opening it records nothing.</summary>
    public static IResult ShowRating(string token, string? rating, LinkTokens tokens, LinkPages pages, HttpContext http)
    {
        if (tokens.Read(LinkPurpose.Feedback, token) is not { } link || rating is not null && Rating(rating) is null)
        {
            return pages.NotFound(http);
        }

        return pages.Show(http, link.Language, "rating", new PageModel { Ratings = LinkPages.Ratings(Rating(rating)) });
    }

    /// <summary>A rating from the page's button. The first low one alerts the shop.</summary>
    public static async Task<IResult> Rate(string token, [FromForm] string? rating, LinkTokens tokens, IGrainFactory grains, LinkPages pages, HttpContext http)
    {
        if (tokens.Read(LinkPurpose.Feedback, token) is not { } link || FollowUpId.Parse(link.Payload)?.Order is not { } orderId || Rating(rating) is not { } value)
        {
            return pages.NotFound(http);
        }

        return await grains.GetGrain<IOrderGrain>(orderId).RecordRatingAsync(value)
            ? pages.Show(http, link.Language, "rated", new PageModel { Rating = value })
            : pages.NotFound(http, link.Language);
    }

    /// <summary>The order and delay a genuine delay-notice token names, and the language of its email.</summary>
    private static (string OrderId, string DelayId, string? Language)? DelayOf(LinkTokens tokens, string token) =>
        tokens.Read(LinkPurpose.DelayChoice, token) is { } link
        && FollowUpId.Parse(link.Payload) is { Order: { } orderId, Step: ['d', 'e', 'l', 'a', 'y', '-', .. var delayId] }
            ? (orderId, delayId, link.Language)
            : null;

    /// <summary>
    /// The posted form; null for a body that is not one, or one that cannot be read: a multipart body without its
    /// boundary, or one that ends before its closing boundary does.
    /// </summary>
    private static async Task<IFormCollection?> FormOf(HttpRequest request)
    {
        if (!request.HasFormContentType)
        {
            return null;
        }

        try
        {
            return await request.ReadFormAsync(request.HttpContext.RequestAborted);
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException && !request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>The cart a reminder's message id names; null for none.</summary>
    private static string? CartOf(string? cartMessage) => FollowUpId.Parse(cartMessage)?.Cart;

    /// <summary>A rating from 1 to 5, written as a plain number; null for anything else.</summary>
    private static int? Rating(string? text) => text is [>= '1' and <= '5'] ? text[0] - '0' : null;

    /// <summary>The opt-in page. Opening it records nothing: mail scanners open links too. Only the button's POST counts.</summary>
    public static IResult ShowNewsletter(string token, LinkTokens tokens, LinkPages pages, HttpContext http) =>
        tokens.Read(LinkPurpose.Newsletter, token) is not { } link ? pages.NotFound(http) : pages.Show(http, link.Language, "newsletter", new PageModel());

    public static async Task<IResult> JoinNewsletter(string token, LinkTokens tokens, IGrainFactory grains, LinkPages pages, HttpContext http, CustomerKeys keys)
    {
        if (tokens.Read(LinkPurpose.Newsletter, token) is not { } link)
        {
            return pages.NotFound(http);
        }

        // The proof of consent keeps what the shopper saw when they clicked.
        var wording = pages.Wording(PageLanguage.Of(link.Language, http.Request), "newsletter", new PageModel());
        await grains.GetGrain<ICustomerGrain>(keys.Current(link.Payload)).RecordNewsletterConsentAsync(wording);
        return pages.Show(http, link.Language, "subscribed", new PageModel());
    }
}
