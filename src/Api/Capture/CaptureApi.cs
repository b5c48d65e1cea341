using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Api.Auth;
using Orleans.Recovery.Api.Links;
using Orleans.Recovery.Api.Validation;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Customers;
using Orleans.Reminders;

namespace Orleans.Recovery.Api.Capture;

/// <summary>The body of <c>POST /api/v1/capture</c>: what the shopper typed at checkout step 1.</summary>
public sealed record CaptureRequest : IValidatableObject
{
    [Required]
    public string? CartId { get; init; }

    [Required, Email, StringLength(254)]
    public string? Email { get; init; }

    [SingleLine, StringLength(100)]
    public string? FirstName { get; init; }

    [Locale]
    public string? Locale { get; init; }

    /// <summary>The state of the shop's marketing-consent checkbox, when it has one.</summary>
    public bool? MarketingConsent { get; init; }

    /// <summary>The wording shown beside the checkbox.</summary>
    [StringLength(2000)]
    public string? ConsentText { get; init; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (CartId is not null && !Identifiers.IsValid(CartId))
        {
            yield return new ValidationResult($"The cartId {Identifiers.Rule}", [nameof(CartId)]);
        }
    }
}

/// <summary>
/// Capture at checkout step 1: <c>GET /capture.js</c>, the script a shop includes on its checkout page, and
/// <c>POST /api/v1/capture</c>, where it records the shopper's contact and consent on the cart. Only the shop's own
/// origins may call it; the items still come from the shop's server, so the script cannot invent a cart.
/// </summary>
public static class CaptureApi
{
    public const string CorsPolicy = "capture";
    public const string RatePolicy = "capture";
    public const string Path = "/api/v1/capture";

    private static readonly Lazy<byte[]> Script = new(() =>
    {
        using var stream = typeof(CaptureApi).Assembly.GetManifestResourceStream("Orleans.Recovery.Api.Capture.capture.js")
            ?? throw new InvalidOperationException("capture.js is not embedded.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static IServiceCollection AddCapture(this IServiceCollection services)
    {
        services.AddOptions<CaptureOptions>().BindConfiguration(CaptureOptions.Section)
            .PostConfigure<IOptions<ApiKeyOptions>, IHostEnvironment>((capture, keys, environment) =>
            {
                capture.SecretKeys = [keys.Value.Storefront, keys.Value.Operator];
                capture.IsDevelopment = environment.IsDevelopment();
            })
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<CaptureOptions>>((cors, capture) => cors.AddPolicy(CorsPolicy, policy => policy
            .WithOrigins([.. capture.Value.Origins])
            .WithMethods(HttpMethods.Post)
            .WithHeaders("Authorization", "Content-Type")
            .SetPreflightMaxAge(TimeSpan.FromHours(1))));
        return services;
    }

    /// <summary>Per client address: what one checkout may post. The key's own budget is the global limiter's.</summary>
    public static RateLimitPartition<string> PerClient(HttpContext context) =>
        RateLimitPartition.GetFixedWindowLimiter("capture " + LinkRateLimits.Client(context.Connection.RemoteIpAddress), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = context.RequestServices.GetRequiredService<IOptions<CaptureOptions>>().Value.PerClientPerMinute,
            Window = TimeSpan.FromMinutes(1),
        });

    /// <summary>All captures together, whatever their address: one budget for the one publishable key.</summary>
    public static RateLimitPartition<string> PerKey(HttpContext context) =>
        context.Request.Path.StartsWithSegments(Path)
            ? RateLimitPartition.GetFixedWindowLimiter("capture-key", _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = context.RequestServices.GetRequiredService<IOptions<CaptureOptions>>().Value.PerKeyPerMinute,
                Window = TimeSpan.FromMinutes(1),
            })
            : RateLimitPartition.GetNoLimiter("");

    /// <summary>
    /// Refuses a capture call, preflight included, from any origin but the shop's with 403 before CORS or the key are
    /// looked at: a browser on another site must not learn anything, and a caller without an Origin is no checkout page.
    /// </summary>
    public static IApplicationBuilder UseCaptureOrigins(this IApplicationBuilder app) => app.UseWhen(
        context => context.Request.Path.StartsWithSegments(Path),
        branch => branch.Use(async (context, next) =>
        {
            var capture = context.RequestServices.GetRequiredService<IOptions<CaptureOptions>>().Value;
            if (capture.Enabled && !capture.Allows(context.Request.Headers.Origin.ToString()))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status403Forbidden,
                        Title = "Origin not allowed",
                        Detail = "Only the shop's checkout pages, listed in Recovery:Capture:AllowedOrigins, may call the capture endpoint.",
                    },
                });
                return;
            }

            await next(context);
        }));

    public static IEndpointRouteBuilder MapCaptureApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/capture.js", CaptureScript).AllowAnonymous().ExcludeFromDescription();
        app.MapPost(Path, CaptureContact).WithTags("Capture")
            .WithSummary("Records the shopper's contact and consent for a cart, from the capture script on the shop's checkout page")
            .WithDescription("Answered with CORS for Recovery:Capture:AllowedOrigins only; a call or preflight from any other origin gets 403. Limited per client address and per key (429).")
            .RequireCors(CorsPolicy)
            .RequireAuthorization(ApiScopes.Capture)
            .RequireRateLimiting(RatePolicy);
        return app;
    }

    /// <summary>The script, cached by browsers for an hour; 404 while capture is off.</summary>
    public static Results<FileContentHttpResult, NotFound> CaptureScript(IOptions<CaptureOptions> capture, HttpResponse response)
    {
        if (!capture.Value.Enabled)
        {
            return TypedResults.NotFound();
        }

        response.Headers.CacheControl = "public, max-age=3600";
        response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.File(Script.Value, "text/javascript; charset=utf-8");
    }

    /// <summary>Records the contact on the cart (204); its items still come from the shop.</summary>
    public static async Task<NoContent> CaptureContact(
        CaptureRequest capture,
        HttpContext http,
        IGrainFactory grains,
        [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock)
    {
        var contact = new CustomerProfile(capture.Email!.Trim(), capture.FirstName?.Trim() ?? "", Locale: capture.Locale);
        var consent = capture.MarketingConsent is { } given
            ? new ConsentRecord(clock.GetUtcNow(), given, ConsentSources.Capture, given ? capture.ConsentText?.Trim() : null, http.Connection.RemoteIpAddress?.ToString(), capture.CartId)
            : null;
        await grains.GetGrain<ICartGrain>(capture.CartId!).CaptureAsync(contact, consent);
        return TypedResults.NoContent();
    }
}
