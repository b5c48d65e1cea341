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

/// <summary>Signing in with the operator key, signing out, and the session every console request is checked against.</summary>
public static partial class ConsoleServices
{
    /// <summary>The operator key, checked as the API checks it; the storefront key is refused.</summary>
    public static bool IsOperatorKey(string? presented, ApiKeyOptions keys) =>
        !string.IsNullOrEmpty(presented)
        && CryptographicOperations.FixedTimeEquals(Digest(presented), Digest(keys.Operator))
        && !CryptographicOperations.FixedTimeEquals(Digest(presented), Digest(keys.Storefront));

    /// <summary>Opens a session in the database and gives the browser its cookie, which ends when the session does.</summary>
    public static async Task SignInAsync(HttpContext context, ApiKeyOptions keys)
    {
        var sessions = context.RequestServices.GetRequiredService<ConsoleSessions>();
        var (session, expires) = await sessions.OpenAsync(
            ConsoleSessions.Device(context.Request.Headers.UserAgent, context.Connection.RemoteIpAddress), context.RequestAborted);
        var identity = new ClaimsIdentity(
            [
                new Claim(ApiScopes.ClaimType, ApiScopes.Operator),
                new Claim(ClaimTypes.Name, ApiScopes.Operator),
                new Claim(KeyClaim, Fingerprint(keys.Operator)),
                new Claim(SessionClaim, session),
            ],
            Scheme);
        await context.SignInAsync(Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties
        {
            IssuedUtc = sessions.Now,
            ExpiresUtc = expires,
            AllowRefresh = false,
        });
    }

    /// <summary>The hash of the session the request's cookie names, to mark it in the list of open sessions.</summary>
    public static string? CurrentSessionHash(ClaimsPrincipal user) =>
        user.FindFirstValue(SessionClaim) is { } session ? ConsoleSessions.Hash(session) : null;

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

        if (context.User.FindFirstValue(SessionClaim) is { } session)
        {
            // Ended in the database: a copy of this cookie (a stolen one, another browser's) is refused from now on too.
            await context.RequestServices.GetRequiredService<ConsoleSessions>().EndAsync(session, context.RequestAborted);
        }

        await context.SignOutAsync(Scheme);
        return TypedResults.Redirect(SignInPath);
    }

    private static async Task<IResult> SignOutEverywhereAsync(HttpContext context, IAntiforgery antiforgery, ConsoleSessions sessions, ILogger<ConsoleSessions> logger)
    {
        if (await ConsoleForms.RefuseForeignAsync(context, antiforgery, "Reload the page and sign out everywhere again.") is { } refused)
        {
            return refused;
        }

        var ended = await sessions.EndAllAsync(context.RequestAborted);
        logger.LogWarning("The operator ended every console session ({Count})", ended);
        await context.SignOutAsync(Scheme);
        return TypedResults.Redirect(SignInPath);
    }

    /// <summary>
    /// A session is good while its row is open (not signed out, not past its 8 hours) and the operator key it was opened
    /// with is still the key: rotating the key signs everyone out. When the database cannot answer, the request is
    /// treated as signed out without deleting the cookie, so the session still works once the database is back.
    /// </summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var keys = context.HttpContext.RequestServices.GetRequiredService<IOptionsMonitor<ApiKeyOptions>>().CurrentValue;
        var opened = context.Principal?.FindFirstValue(KeyClaim);
        var session = context.Principal?.FindFirstValue(SessionClaim);
        if (opened is null || session is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(opened), Encoding.ASCII.GetBytes(Fingerprint(keys.Operator))))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
            return;
        }

        bool open;
        try
        {
            open = await context.HttpContext.RequestServices.GetRequiredService<ConsoleSessions>().IsOpenAsync(session, context.HttpContext.RequestAborted);
        }
        catch (System.Data.Common.DbException)
        {
            context.RejectPrincipal();
            return;
        }

        if (!open)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
        }
    }

    private static string Fingerprint(string? key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("console-session\n" + key)));

    private static byte[] Digest(string? key) => SHA256.HashData(Encoding.UTF8.GetBytes(key ?? ""));
}
