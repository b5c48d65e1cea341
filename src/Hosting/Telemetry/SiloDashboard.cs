using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Orleans.Dashboard;

namespace Orleans.Recovery.Hosting.Telemetry;

public static class SiloDashboard
{
    /// <summary>
    /// The Orleans dashboard of a stand-alone silo, when <paramref name="dashboard"/> has it on, on its loopback port
    /// only. Judged by the port the connection came in on, not the Host header a client may write: the dashboard has no
    /// sign-in, so it never answers on the health port open to probes.
    /// </summary>
    public static WebApplication MapSiloDashboard(this WebApplication app, DashboardSettings dashboard)
    {
        if (dashboard is not { Enabled: true, Port: { } port })
        {
            return app;
        }

        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(DashboardSettings.Path) && context.Connection.LocalPort != port)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
        app.MapOrleansDashboard(DashboardSettings.Path);
        return app;
    }
}
