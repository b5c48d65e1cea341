using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;

namespace Orleans.Recovery.Silo.Health;

/// <summary>
/// A stand-alone silo's probes: <c>/health/live</c> (the process is up) and <c>/health/ready</c> (it is an active member
/// and its database answers). Its port is for the platform, not the public, so it shows what each check found.
/// </summary>
public static class SiloHealth
{
    public const string Ready = "ready";

    public static IEndpointRouteBuilder MapSiloHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = (context, report) => HealthResponse.WriteAsync(context, report, detailed: true) });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(Ready), ResponseWriter = (context, report) => HealthResponse.WriteAsync(context, report, detailed: true) });
        return app;
    }
}
