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
using Orleans.Recovery.Api.Console.Sessions;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Hosting.Security;

namespace Orleans.Recovery.Api.Console;

/// <summary>
/// The operator's console: server-rendered pages (Razor components, static rendering) under <c>/console</c>, signed in
/// with the operator key exchanged for a session cookie. The cookie only opens the console: the HTTP API keeps
/// taking bearer keys alone, so a page elsewhere cannot use an operator's session against it. The cookie names a
/// session kept in the database (<see cref="ConsoleSessions"/>), which signing out ends for every copy of the cookie.
/// </summary>
public static partial class ConsoleServices
{
    public const string Scheme = "Console";
    public const string Policy = "console";
    public const string SignInPath = "/console/sign-in";
    public const string SignInRateLimit = "console-sign-in";
    private const string KeyClaim = "operator-key";
    private const string SessionClaim = "console-session";

    public static IServiceCollection AddRecoveryConsole(this IServiceCollection services)
    {
        services.AddRazorComponents();
        services.AddSingleton<ConsoleSessions>();

        // The cookies' keys in the database, shared by every API process and kept across restarts (DatabaseKeyRing).
        services.AddDataProtection().SetApplicationName("orleans-recovery");
        services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider>((options, provider) =>
            options.XmlRepository = new DatabaseKeyRing(provider.GetRequiredService<LedgerDatabase>(), provider.GetRequiredKeyedService<TimeProvider>(Orleans.Reminders.ReminderTimeProviderNames.Reminders)));
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
            // Whatever the activity, a session ends 8 hours after sign-in: the ticket says so and so does its row.
            options.ExpireTimeSpan = ConsoleSessions.Lifetime;
            options.SlidingExpiration = false;
            options.Events.OnValidatePrincipal = ValidateSessionAsync;
        });
        services.AddOptions<CookieAuthenticationOptions>(Scheme).Configure<IHostEnvironment, IServiceProvider>((options, environment, provider) =>
        {
            options.Cookie.SecurePolicy = environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
            // The ticket's expiry and the session's row on the one business clock.
            options.TimeProvider = provider.GetRequiredKeyedService<TimeProvider>(Orleans.Reminders.ReminderTimeProviderNames.Reminders);
        });
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
        app.MapPost("/console/sessions/sign-out-everywhere", SignOutEverywhereAsync).RequireAuthorization(Policy).ExcludeFromDescription();
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
}
