using Orleans.Recovery.Api.Console.Shared;
using Orleans.Recovery.Api.Flows;
using Orleans.Recovery.Api.Links;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Api.Console.Flows;

/// <summary>
/// A step's email as the shopper would get it, rendered by the flows API's preview and shown in a sandboxed frame: the
/// frame may run no script, submit no form and reach nothing of the console's origin, and its content security
/// policy says the same should a browser open it on its own.
/// </summary>
public static class FlowPreview
{
    public static IEndpointRouteBuilder MapFlowPreview(this IEndpointRouteBuilder app)
    {
        app.MapGet("/console/flows/{flow}/preview", ShowAsync).RequireAuthorization(ConsoleServices.Policy).ExcludeFromDescription();
        app.MapGet("/console/pages/{page}/preview", ShowPage).RequireAuthorization(ConsoleServices.Policy).ExcludeFromDescription();
        return app;
    }

    public static string Url(string flow, int step, string locale, string? of) =>
        $"/console/flows/{Uri.EscapeDataString(flow)}/preview?step={step}&locale={Uri.EscapeDataString(locale)}"
        + (string.IsNullOrWhiteSpace(of) ? "" : "&of=" + Uri.EscapeDataString(of.Trim()));

    /// <summary>The rendered mail, or the problem, with a real cart's or order's id or a sample.</summary>
    public static async Task<ApiAnswer<RenderedMail>> RenderAsync(IGrainFactory grains, string flow, int step, string locale, string? of)
    {
        var id = string.IsNullOrWhiteSpace(of) ? null : of.Trim();
        var body = new PreviewRequestBody
        {
            Locale = locale,
            CartId = flow == FlowNames.CartAbandonment ? id : null,
            OrderId = flow == FlowNames.CartAbandonment ? null : id,
        };
        var validation = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(body, new(body), validation, validateAllProperties: true))
        {
            return new(null, new Dictionary<string, string[]> { ["of"] = [.. validation.Select(result => result.ErrorMessage ?? "")] }, null);
        }

        var answer = ApiAnswer.Of<RenderedMail>(await FlowsApi.Preview(flow, step, body, grains));
        return answer.Succeeded || answer.Errors.Count == 0
            ? answer
            : answer with { Errors = answer.Errors.ToDictionary(error => error.Key is "cartId" or "orderId" ? "of" : error.Key, error => error.Value) };
    }

    public static string PageUrl(string page, string language) =>
        $"/console/pages/{Uri.EscapeDataString(page)}/preview?language={Uri.EscapeDataString(language)}";

    /// <summary>A page behind the links, as the pages API previews it, in the same sandbox as a step's email.</summary>
    private static IResult ShowPage(string page, string? language, LinkPages pages, HttpContext context)
    {
        Sandbox(context);
        var answer = PagesApi.Preview(page, new PagePreviewRequest { Locale = language is "de" ? "de" : "en" }, pages);
        return answer.Result is Microsoft.AspNetCore.Http.HttpResults.Ok<RenderedPage> { Value: { } rendered }
            ? TypedResults.Content(rendered.Html, "text/html; charset=utf-8")
            : TypedResults.Content("<!DOCTYPE html><p>No such page.</p>", "text/html; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
    }

    private static void Sandbox(HttpContext context)
    {
        context.Response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'; img-src https: data:; style-src 'unsafe-inline'";
        context.Response.Headers.XContentTypeOptions = "nosniff";
    }

    private static async Task<IResult> ShowAsync(string flow, string? step, string? locale, string? of, IGrainFactory grains, HttpContext context)
    {
        flow = FlowNames.Parse(flow) ?? flow;
        Sandbox(context);
        var answer = await RenderAsync(grains, flow, int.TryParse(step, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) ? number : 1, locale ?? "en", of);
        if (answer.Value is { } mail)
        {
            return TypedResults.Content(mail.Html, "text/html; charset=utf-8");
        }

        var problem = answer.Problem ?? string.Join(" ", answer.Errors.SelectMany(error => error.Value));
        return TypedResults.Content($"<!DOCTYPE html><p>{System.Net.WebUtility.HtmlEncode(problem)}</p>", "text/html; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
    }
}
