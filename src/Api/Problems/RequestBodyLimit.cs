using Microsoft.AspNetCore.Http.Features;

namespace Orleans.Recovery.Api.Problems;

/// <summary>Caps API request bodies, answering 413 with problem details before anything is read.</summary>
public static class RequestBodyLimit
{
    /// <summary>A cart of 500 lines fits comfortably; anything larger is a mistake or an attack.</summary>
    public const long MaxBytes = 256 * 1024;

    /// <summary>
    /// A provider's webhook carries the whole order with its own detail (discounts, tax lines, properties per line);
    /// refusing a big one makes the provider retry it in vain and then disable the endpoint. An ESP's event batch is
    /// as big: SendGrid posts up to 768 KB at once.
    /// </summary>
    public const long ConnectorMaxBytes = 2 * 1024 * 1024;

    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var max = context.Request.Path.StartsWithSegments("/api/v1/connectors") || context.Request.Path.StartsWithSegments("/api/v1/mail-events") ? ConnectorMaxBytes : MaxBytes;
        if (context.Request.ContentLength > max)
        {
            throw new BadHttpRequestException($"The request body is larger than {max} bytes.", StatusCodes.Status413PayloadTooLarge);
        }

        // For bodies without a Content-Length, the server stops reading at the limit and throws the same 413.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = max;
        }

        await next(context);
    });
}
