using Microsoft.AspNetCore.Http.Features;

namespace Orleans.Recovery.Api.Problems;

/// <summary>Caps API request bodies, answering 413 with problem details before anything is read.</summary>
public static class RequestBodyLimit
{
    /// <summary>A cart of 500 lines fits comfortably; anything larger is a mistake or an attack.</summary>
    public const long MaxBytes = 256 * 1024;

    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.ContentLength > MaxBytes)
        {
            throw new BadHttpRequestException($"The request body is larger than {MaxBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
        }

        // For bodies without a Content-Length, the server stops reading at the limit and throws the same 413.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = MaxBytes;
        }

        await next(context);
    });
}
