using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Dashboard;
using Orleans.Recovery.Hosting.Health;
using Orleans.Recovery.Hosting.Telemetry;
using Orleans.Recovery.Hosting;

namespace Orleans.Recovery.Silo;

/// <summary>
/// A silo on its own, without the HTTP API: it answers only <c>/health/live</c> and <c>/health/ready</c>, on
/// <c>Recovery:Silo:HealthPort</c>. The API co-hosts the same silo by default (see src/Api).
/// </summary>
public static class SiloProgram
{
    public static async Task Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);

        // The same log levels as the API's appsettings.json, as the lowest source so the operator's settings win. Our
        // own categories start with "Orleans." too, so quietening Orleans alone would hide every skip and deferral.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
                ["Logging:LogLevel:Orleans"] = "Warning",
                ["Logging:LogLevel:Orleans.Recovery"] = "Information",
                ["Logging:LogLevel:Orleans.Runtime.Silo"] = "Information",
                ["Logging:LogLevel:Polly"] = "Warning",
            },
        });

        // Probes come from outside the machine (a kubelet, a load balancer), so the port listens on every interface;
        // the dashboard has no sign-in here, so its port listens on loopback only.
        var healthPort = RecoverySettings.From(builder.Configuration).HealthPort;
        var dashboard = DashboardSettings.From(builder.Configuration, builder.Environment);
        builder.WebHost.UseUrls(dashboard is { Enabled: true, Port: { } dashboardPort }
            ? [$"http://*:{healthPort}", $"http://127.0.0.1:{dashboardPort}"]
            : [$"http://*:{healthPort}"]);
        builder.UseOrleans(silo =>
        {
            silo.AddRecoverySilo(builder.Configuration);
            if (dashboard.Enabled)
            {
                silo.AddDashboard();
            }
        });
        builder.AddRecoveryTelemetry("orleans-recovery-silo", hostsSilo: true);
        builder.Services.AddHealthChecks()
            .AddCheck<LocalSiloHealthCheck>("silo", tags: [SiloHealth.Ready])
            .AddDatabaseCheck("database", [SiloHealth.Ready]);

        var app = builder.Build();
        app.MapSiloHealth();
        app.MapRecoveryTelemetry();
        app.MapSiloDashboard(dashboard);

        await app.RunAsync();
    }
}
