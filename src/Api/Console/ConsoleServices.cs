using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Antiforgery;
using Orleans.Recovery.Api.Console.Shared;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Api.Auth;
using Orleans.Recovery.Api.Console.Customers;
using Orleans.Recovery.Api.Console.Flows;
using Orleans.Recovery.Api.Console.Leads;
using Orleans.Recovery.Silo.Ledger;
using Orleans.Recovery.Silo.Security;

namespace Orleans.Recovery.Api.Console;

/// <summary>
/// The operator's console: server-rendered pages (Razor components, static rendering) under <c>/console</c>, signed in
/// with the operator key exchanged for a session cookie. The cookie only opens the console: the HTTP API keeps
/// taking bearer keys alone, so a page elsewhere cannot use an operator's session against it.
/// </summary>
public static class ConsoleServices
{
    public const string Scheme = "Console";
    public const string Policy = "console";
    public const string SignInPath = "/console/sign-in";
    public const string SignInRateLimit = "console-sign-in";
    private const string KeyClaim = "operator-key";

    public static IServiceCollection AddRecoveryConsole(this IServiceCollection services)
    {
        services.AddRazorComponents();

        // The cookies' keys in the database, shared by every API process and kept across restarts (DatabaseKeyRing).
        services.AddDataProtection().SetApplicationName("orleans-recovery");
        services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider>((options, provider) =>
            options.XmlRepository = new DatabaseKeyRing(provider.GetRequiredService<LedgerDatabase>(), provider.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "recovery-console-antiforgery";
            options.Cookie.SameSite = SameSiteMode.Strict;
            // Its token is worth nothing without the session, which is Secure itself; Always would refuse to render
            // a form over HTTP at all, where the sign-in page should explain instead.
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.AddAuthentication().AddCookie(Scheme, options =>
        {
            options.Cookie.Name = "recovery-console";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.LoginPath = SignInPath;
            options.AccessDeniedPath = SignInPath;
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            options.SlidingExpiration = true;
            options.Events.OnValidatePrincipal = RejectAfterKeyRotation;
        });
        services.AddOptions<CookieAuthenticationOptions>(Scheme).Configure<IHostEnvironment>((options, environment) =>
            options.Cookie.SecurePolicy = environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always);
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(Scheme)
            .RequireClaim(ApiScopes.ClaimType, ApiScopes.Operator));
        // Guessing the key: 20 tries a minute per client (an IPv4 address, an IPv6 /64); showing the form is not limited.
        services.Configure<RateLimiterOptions>(options => options.AddPolicy(SignInRateLimit, context =>
            HttpMethods.IsPost(context.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(Links.LinkRateLimits.Client(context.Connection.RemoteIpAddress), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = 20,
                    Window = TimeSpan.FromMinutes(1),
                })
                : RateLimitPartition.GetNoLimiter("")));
        return services;
    }

    /// <summary>
    /// No other site may frame the console, so none can dress its buttons in a page of its own (clickjacking): every
    /// console response says <c>frame-ancestors 'none'</c> and <c>X-Frame-Options: DENY</c>. The previews are framed by
    /// the console itself, so they say <c>'self'</c> and <c>SAMEORIGIN</c>, beside their own sandbox.
    /// </summary>
    public static IApplicationBuilder UseConsoleFraming(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Request.Path.StartsWithSegments("/console"))
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                var policy = headers.ContentSecurityPolicy.ToString();
                var framedBySelf = policy.Contains("sandbox", StringComparison.Ordinal);
                if (!policy.Contains("frame-ancestors", StringComparison.Ordinal))
                {
                    var ancestors = framedBySelf ? "frame-ancestors 'self'" : "frame-ancestors 'none'";
                    headers.ContentSecurityPolicy = policy.Length == 0 ? ancestors : $"{policy}; {ancestors}";
                }

                headers.XFrameOptions = framedBySelf ? "SAMEORIGIN" : "DENY";
                return Task.CompletedTask;
            });
        }

        return next(context);
    });

    public static WebApplication MapRecoveryConsole(this WebApplication app)
    {
        app.MapRazorComponents<ConsoleApp>().Add(AnswerOnlyGetsUnlessTheyTakeForms);
        app.MapPost("/console/sign-out", SignOutAsync).RequireAuthorization(Policy).ExcludeFromDescription();
        app.MapLeadsDownload();
        app.MapCustomerDownload();
        app.MapFlowPreview();
        return app;
    }

    /// <summary>
    /// Pages without a form answer GET and HEAD only, so a stray POST gets the API's 405 problem rather than the
    /// component renderer's page of complaint; pages marked <see cref="TakesFormsAttribute"/> also take their posts.
    /// </summary>
    private static void AnswerOnlyGetsUnlessTheyTakeForms(EndpointBuilder endpoint)
    {
        if (endpoint.Metadata.OfType<ComponentTypeMetadata>().FirstOrDefault() is { } page && !page.Type.IsDefined(typeof(TakesFormsAttribute), inherit: false))
        {
            foreach (var methods in endpoint.Metadata.OfType<IHttpMethodMetadata>().ToList())
            {
                endpoint.Metadata.Remove(methods);
            }

            endpoint.Metadata.Add(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]));
        }
    }

    /// <summary>The operator key, checked as the API checks it; the storefront key is refused.</summary>
    public static bool IsOperatorKey(string? presented, ApiKeyOptions keys) =>
        !string.IsNullOrEmpty(presented)
        && CryptographicOperations.FixedTimeEquals(Digest(presented), Digest(keys.Operator))
        && !CryptographicOperations.FixedTimeEquals(Digest(presented), Digest(keys.Storefront));

    public static Task SignInAsync(HttpContext context, ApiKeyOptions keys)
    {
        var identity = new ClaimsIdentity(
            [new Claim(ApiScopes.ClaimType, ApiScopes.Operator), new Claim(ClaimTypes.Name, ApiScopes.Operator), new Claim(KeyClaim, Fingerprint(keys.Operator))],
            Scheme);
        return context.SignInAsync(Scheme, new ClaimsPrincipal(identity));
    }

    /// <summary>Where to go after signing in: a console page asked for, never another site.</summary>
    public static string SafeReturn(string? returnUrl) =>
        returnUrl is not null && (returnUrl.StartsWith("/console", StringComparison.Ordinal) || returnUrl.StartsWith("/dashboard", StringComparison.Ordinal))
            && !returnUrl.Contains("//", StringComparison.Ordinal)
            && !returnUrl.Contains('\\') && !returnUrl.StartsWith(SignInPath, StringComparison.Ordinal)
            ? returnUrl
            : "/console";

    private static async Task<IResult> SignOutAsync(HttpContext context, IAntiforgery antiforgery)
    {
        if (await ConsoleForms.RefuseForeignAsync(context, antiforgery, "Reload the page and sign out again.") is { } refused)
        {
            return refused;
        }

        await context.SignOutAsync(Scheme);
        return TypedResults.Redirect(SignInPath);
    }

    /// <summary>A session ends when the operator key it was opened with is replaced: rotating the key signs everyone out.</summary>
    private static async Task RejectAfterKeyRotation(CookieValidatePrincipalContext context)
    {
        var keys = context.HttpContext.RequestServices.GetRequiredService<IOptionsMonitor<ApiKeyOptions>>().CurrentValue;
        var opened = context.Principal?.FindFirstValue(KeyClaim);
        if (opened is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(opened), Encoding.ASCII.GetBytes(Fingerprint(keys.Operator))))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
        }
    }

    private static string Fingerprint(string? key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("console-session\n" + key)));

    private static byte[] Digest(string? key) => SHA256.HashData(Encoding.UTF8.GetBytes(key ?? ""));
}
