using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Orders;

namespace Orleans.Recovery.Api.Links;

/// <summary>
/// What a page behind a link can show; each page uses the part it needs. Words are the template's, so the operator
/// translates and brands pages as they do the emails; the model carries only values.
/// </summary>
public sealed record PageModel
{
    public string Language { get; init; } = "en";
    public string ShopName { get; init; } = "";
    public BrandModel? Brand { get; init; }

    /// <summary>The unsubscribe page: whether the link came in a cart's reminder, so "this cart only" can be offered.</summary>
    public bool OffersCart { get; init; }

    /// <summary>The reasons a shopper may give for unsubscribing, as values the page posts back.</summary>
    public IReadOnlyList<string> Reasons { get; init; } = PreferenceChoice.Reasons;

    /// <summary>What the shopper stopped: <c>all-marketing</c> or <c>this-cart</c>.</summary>
    public string? Scope { get; init; }

    public PageDelay? Delay { get; init; }

    /// <summary>The delay option the shopper chose: wait, cancel, partial or substitute.</summary>
    public string? Choice { get; init; }

    public IReadOnlyList<PageRating> Ratings { get; init; } = [];

    public int? Rating { get; init; }
}

/// <summary>A delay as its page shows it: the date is already written in the page's language.</summary>
public sealed record PageDelay(string Reason, string NewShipDate, string? Current, IReadOnlyList<PageOption> Options);

public sealed record PageOption(string Value, bool Checked);

public sealed record PageRating(int Value, bool Checked);

/// <summary>
/// The pages a shopper sees after following a link from an email: Liquid templates
/// (<c>{language}/page-{name}.html.liquid</c>) beside the mail templates, in the shopper's language, with the shop's
/// brand. A page that asks something shows the answer the link carried, preselected, and records it only from its
/// button: mail scanners open every link.
/// </summary>
public sealed partial class LinkPages(MailTemplates templates, IOptionsMonitor<BrandOptions> brand, IOptionsMonitor<SenderOptions> sender, ILogger<LinkPages> logger)
{
    /// <summary>The pages as shipped, for when an operator's edit of one cannot be rendered: the shopper still gets a page.</summary>
    private static readonly MailTemplates BuiltIn = new();

    /// <summary>Every page, by the name its template carries after <c>page-</c>.</summary>
    public static readonly IReadOnlyList<string> Names =
        ["unsubscribe", "unsubscribed", "delay", "delay-answered", "rating", "rated", "newsletter", "subscribed", "not-found", "unavailable"];

    // Inline styles only, no script; images from https (the logo); forms post back to this host; the token in the URL
    // never leaves in a Referer.
    private const string Policy = "default-src 'none'; style-src 'unsafe-inline'; img-src https:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>The same 404 page for an unknown, tampered or expired link: it reveals nothing about which.</summary>
    public IResult NotFound(HttpContext http, string? language = null) => Show(http, language, "not-found", new PageModel(), StatusCodes.Status404NotFound);

    /// <summary>Renders page <paramref name="name"/> in the link's language, else the browser's, else English.</summary>
    public IResult Show(HttpContext http, string? language, string name, PageModel model, int status = StatusCodes.Status200OK)
    {
        var chosen = PageLanguage.Of(language, http.Request);
        var html = Render(chosen, name, model);
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentLanguage = chosen;
        headers.Vary = HeaderNames.AcceptLanguage;
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }

    /// <summary>The page's HTML with the brand and shop filled in; also what the preview API returns.</summary>
    public string Render(string language, string name, PageModel model)
    {
        var shop = brand.CurrentValue.Model(sender.CurrentValue);
        model = model with { Language = language, ShopName = shop.Name, Brand = shop };
        try
        {
            return templates.RenderPage(language, $"page-{name}", model);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // An edit that parses may still fail to render (a layout it names is missing, a loop past the limits).
            LogBrokenPage(exception, language, name);
            return BuiltIn.RenderPage(language, $"page-{name}", model);
        }
    }

    /// <summary>
    /// The visible text of a page as it is shown now, kept as the wording a shopper agreed to: the page's title, question
    /// and button, without markup or styles.
    /// </summary>
    public string Wording(string language, string name, PageModel model)
    {
        var html = Render(language, name, model);
        var body = Regex.Replace(html, "<(style|script|head)[^>]*>.*?</\\1>", " ", RegexOptions.Singleline | RegexOptions.IgnoreCase);
        var text = System.Net.WebUtility.HtmlDecode(Regex.Replace(body, "<[^>]+>", " "));
        text = Regex.Replace(text, "\\s+", " ").Trim();
        return text.Length <= 1000 ? text : text[..1000];
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The page template {Language}/page-{Page}.html.liquid could not be rendered, so the built-in page was shown")]
    private partial void LogBrokenPage(Exception exception, string language, string page);

    public static PageDelay Delay(DelayRecord delay, DelayOption? preselected, string language) => new(
        delay.Delay.Reason,
        MailComposer.Date(delay.Delay.NewEstimatedShipDate, MailLocale.ForLanguage(language)),
        delay.Choice is { } answered ? DelayOptions.Name(answered) : null,
        [.. delay.KnownOptionsOnly().Delay.Options.Select(option => new PageOption(DelayOptions.Name(option), option == preselected))]);

    /// <summary>Ratings 5 to 1, with <paramref name="preselected"/> (the link's) checked.</summary>
    public static IReadOnlyList<PageRating> Ratings(int? preselected) =>
        [.. Enumerable.Range(1, 5).Reverse().Select(rating => new PageRating(rating, rating == preselected))];
}

/// <summary>The language a page is shown in.</summary>
public static class PageLanguage
{
    /// <summary>
    /// The language the email was written in (carried by its link), else the first of the browser's Accept-Language
    /// we have templates in, by quality, else English.
    /// </summary>
    public static string Of(string? linkLanguage, HttpRequest request)
    {
        if (linkLanguage is not null && MailLocale.Languages.Contains(linkLanguage))
        {
            return linkLanguage;
        }

        var accepted = request.GetTypedHeaders().AcceptLanguage;
        return accepted
            .Where(value => value.Quality is not 0)
            .OrderByDescending(value => value.Quality ?? 1)
            .Select(value => Primary(value.Value.Value))
            .FirstOrDefault(language => language is not null && MailLocale.Languages.Contains(language))
            ?? MailLocale.Languages[0];
    }

    private static string? Primary(string? tag) => tag?.Split('-')[0].ToLowerInvariant();
}
