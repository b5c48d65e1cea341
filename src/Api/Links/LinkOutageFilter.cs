using Orleans.Recovery.Links;
using Orleans.Recovery.Storage;

namespace Orleans.Recovery.Api.Links;

/// <summary>
/// A shopper who follows a link while the database is failing gets a page in their language that asks them to try
/// again in a moment (503, Retry-After), not a problem document: nothing they asked for was recorded, and the same
/// button works once the database is back.
/// </summary>
public sealed class LinkOutageFilter(LinkPages pages, LinkTokens tokens, StorageOutage outage) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception exception) when (StorageFaults.Describe(exception) is { } reason)
        {
            outage.Fault(reason);
            var http = context.HttpContext;
            http.Response.Headers.RetryAfter = Problems.StorageUnavailableHandler.RetryAfterSeconds.ToString();
            return pages.Show(http, LanguageOf(http), "unavailable", new PageModel(), StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary>The language the link's email was written in: the path's first letter names the token's purpose.</summary>
    private string? LanguageOf(HttpContext http) =>
        http.Request.Path.Value is ['/', var letter, '/', ..]
        && Enum.IsDefined((LinkPurpose)letter)
        && http.GetRouteValue("token") is string token
            ? tokens.Read((LinkPurpose)letter, token)?.Language
            : null;
}
