using Microsoft.AspNetCore.Antiforgery;

namespace Orleans.Recovery.Api.Console.Shared;

/// <summary>
/// For the console's own form endpoints (sign-out and the downloads), which are minimal API handlers rather than
/// pages and so check the form's antiforgery token themselves.
/// </summary>
public static class ConsoleForms
{
    /// <summary>The 400 to answer when the post is not a form of this session's, or null when it is.</summary>
    public static async Task<IResult?> RefuseForeignAsync(HttpContext context, IAntiforgery antiforgery, string retry) =>
        context.Request.HasFormContentType && await antiforgery.IsRequestValidAsync(context)
            ? null
            : TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The form has expired", detail: retry);
}
