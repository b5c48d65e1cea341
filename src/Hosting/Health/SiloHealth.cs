using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Orleans.Recovery.Hosting.Health;

/// <summary>
/// The probes of every host: <c>/health/live</c> (the process is up) and <c>/health/ready</c> (the checks tagged
/// <see cref="Ready"/>). A stand-alone silo's port is for the platform, not the public, so it shows what each check found.
/// </summary>
public static class SiloHealth
{
    public const string Ready = "ready";

    public static IEndpointRouteBuilder MapSiloHealth(this IEndpointRouteBuilder app) => app.MapProbes(_ => true);

    /// <summary>Both probes; <paramref name="detailed"/> says whether a request may see what each check found.</summary>
    public static IEndpointRouteBuilder MapProbes(this IEndpointRouteBuilder app, Func<HttpContext, bool> detailed)
    {
        Task Write(HttpContext context, Microsoft.Extensions.Diagnostics.HealthChecks.HealthReport report) => HealthResponse.WriteAsync(context, report, detailed(context));
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = Write });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Ready), ResponseWriter = Write });
        return app;
    }
}
