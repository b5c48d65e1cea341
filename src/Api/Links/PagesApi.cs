using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Recovery.Api.Auth;
using Orleans.Recovery.Api.Validation;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.Api.Links;

/// <summary>The body of <c>POST /api/v1/pages/{page}/preview</c>.</summary>
public sealed record PagePreviewRequest
{
    [Required, Locale]
    public string? Locale { get; init; }
}

/// <summary>A page behind a link, rendered for the operator: the HTML a shopper would get.</summary>
public sealed record RenderedPage(string Page, string Language, string Html);

/// <summary>
/// The operator's preview of the pages behind the links, rendered from the templates and brand this process serves
/// them with, with made-up answers: nothing is read or recorded.
/// </summary>
public static class PagesApi
{
    public static IEndpointRouteBuilder MapPagesApi(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("/api/v1/pages").WithTags("Pages").RequireAuthorization(ApiScopes.Operator);
        pages.MapGet("/", List);
        pages.MapPost("/{page}/preview", Preview);
        return app;
    }

    public static Ok<IReadOnlyList<string>> List() => TypedResults.Ok(LinkPages.Names);

    public static Results<Ok<RenderedPage>, ProblemHttpResult> Preview(string page, PagePreviewRequest preview, LinkPages pages)
    {
        if (!LinkPages.Names.Contains(page))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "No such page.",
                detail: $"'{page}' is not a page; the pages are {string.Join(", ", LinkPages.Names)}.");
        }

        var culture = CultureInfo.GetCultureInfo(preview.Locale!.Replace('_', '-'));
        var language = MailLocale.Languages.Contains(culture.TwoLetterISOLanguageName) ? culture.TwoLetterISOLanguageName : MailLocale.Languages[0];
        return TypedResults.Ok(new RenderedPage(page, language, pages.Render(language, page, Sample(page, language))));
    }

    /// <summary>Made-up answers, so each page shows everything it can.</summary>
    public static PageModel Sample(string page, string language) => page switch
    {
        "unsubscribe" => new PageModel { OffersCart = true },
        "unsubscribed" => new PageModel { Scope = PreferenceChoice.ThisCart },
        "delay" => new PageModel
        {
            Delay = new PageDelay(
                language == "de" ? "Lieferverzug beim Hersteller" : "supplier delay",
                MailComposer.Date(new DateOnly(2026, 12, 14), MailLocale.ForLanguage(language)),
                null,
                [new PageOption("wait", true), new PageOption("cancel", false), new PageOption("partial", false), new PageOption("substitute", false)]),
        },
        "delay-answered" => new PageModel { Choice = "wait" },
        "rating" => new PageModel { Ratings = LinkPages.Ratings(4) },
        "rated" => new PageModel { Rating = 4 },
        _ => new PageModel(),
    };
}
