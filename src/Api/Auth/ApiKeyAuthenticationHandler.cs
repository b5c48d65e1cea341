using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Orleans.Recovery.Api.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c>. Keys are compared as SHA-256 digests in constant time, and every key is
/// always compared, so neither the length nor the kind of a key leaks through timing.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<ApiKeyOptions> keys,
    IOptionsMonitor<Capture.CaptureOptions> capture,
    FailedKeyLimiter failures,
    IProblemDetailsService problems) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.Fail("The Authorization header is not a bearer key."));
        }

        if (failures.BlockedFor(Context.Connection.RemoteIpAddress) is { } wait)
        {
            Context.Items[typeof(FailedKeyLimiter)] = wait;
            return Task.FromResult(AuthenticateResult.Fail("Too many wrong keys from this client."));
        }

        var key = header["Bearer ".Length..].Trim();
        if (key.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.Fail("The bearer key is empty."));
        }

        var presented = Digest(key);
        var configured = keys.CurrentValue;
        var isStorefront = CryptographicOperations.FixedTimeEquals(presented, Digest(configured.Storefront));
        var isOperator = CryptographicOperations.FixedTimeEquals(presented, Digest(configured.Operator));
        var publishable = capture.CurrentValue.PublishableKey;
        var isCapture = CryptographicOperations.FixedTimeEquals(presented, Digest(publishable)) && !string.IsNullOrEmpty(publishable);
        var scope = isStorefront ? ApiScopes.Storefront : isOperator ? ApiScopes.Operator : isCapture ? ApiScopes.Capture : null;
        if (scope is null)
        {
            failures.Failed(Context.Connection.RemoteIpAddress);
            return Task.FromResult(AuthenticateResult.Fail("Unknown key."));
        }

        var identity = new ClaimsIdentity([new Claim(ApiScopes.ClaimType, scope), new Claim(ClaimTypes.Name, scope)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[typeof(FailedKeyLimiter)] is TimeSpan wait)
        {
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await WriteProblemAsync(StatusCodes.Status429TooManyRequests, "Too many requests",
                $"More than {FailedKeyLimiter.FailuresPerMinute} wrong keys came from this client in a minute: try again after Retry-After seconds.");
            return;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "Unauthorized", "Send the API key as 'Authorization: Bearer <key>'.");
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", "This key may not use this endpoint.");
    }

    private ValueTask WriteProblemAsync(int status, string title, string detail) => problems.WriteAsync(new ProblemDetailsContext
    {
        HttpContext = Context,
        ProblemDetails = { Status = status, Title = title, Detail = detail },
    });

    private static byte[] Digest(string? key) => SHA256.HashData(Encoding.UTF8.GetBytes(key ?? ""));
}
