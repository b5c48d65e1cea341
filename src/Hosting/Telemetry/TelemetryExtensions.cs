using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Recovery.Telemetry;

namespace Orleans.Recovery.Hosting.Telemetry;

/// <summary>
/// OpenTelemetry for every host: the engine's own meter (<see cref="RecoveryMetrics"/>), Orleans', ASP.NET Core's and
/// Npgsql's metrics and traces. OTLP exports when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; Prometheus scrapes
/// <c>/metrics</c> in Development, or where <c>Recovery:Telemetry:Prometheus</c> turns it on.
/// </summary>
public static class TelemetryExtensions
{
    public const string MetricsPath = "/metrics";

    /// <summary>Orleans' histogram of how late each reminder tick was dispatched, in seconds.</summary>
    public const string ReminderTardiness = "orleans-reminders-tardiness";

    /// <param name="builder">The host.</param>
    /// <param name="serviceName">Its name in traces and metrics: orleans-recovery-api or orleans-recovery-silo.</param>
    /// <param name="hostsSilo">Whether a silo runs here: only silos record the engine's figures and the pending gauge.</param>
    public static WebApplicationBuilder AddRecoveryTelemetry(this WebApplicationBuilder builder, string serviceName, bool hostsSilo)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var options = TelemetryOptions.Read(builder.Configuration);
        var prometheus = options.Prometheus.Enabled ?? builder.Environment.IsDevelopment();

        // Nothing is measured or traced that nobody reads: with neither exporter, requests and grain calls pay nothing.
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (prometheus || otlp)
        {
            var telemetry = builder.Services.AddOpenTelemetry()
                .ConfigureResource(resource => resource.AddService(serviceName, serviceNamespace: "orleans-recovery"))
                .WithMetrics(metrics =>
                {
                    // System.Runtime: the thread pool's queue, CPU, GC pauses and JIT, which say why a burst of due
                    // follow-ups waits (BENCHMARKS.md, the 10,000-due burst).
                    metrics.AddMeter(RecoveryMetrics.MeterName, "Microsoft.Orleans", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Npgsql", "System.Runtime")
                        .AddAspNetCoreInstrumentation()
                        // Orleans records how late it dispatched each reminder tick in seconds, with no bucket advice, so
                        // the exporter's default boundaries (0, 5, 10, 25 ... made for milliseconds) would put every tick
                        // in the first. With these, a late follow-up (recovery.follow_up.lateness, from due to claim)
                        // splits into Orleans' dispatch and the silo's own queue (BENCHMARKS.md, the 10,000-due burst).
                        .AddView(ReminderTardiness, new ExplicitBucketHistogramConfiguration { Boundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] });
                    if (prometheus)
                    {
                        metrics.AddPrometheusExporter();
                    }
                });
            if (otlp)
            {
                // Traces go to OTLP only: a request through the API into the grains it calls, and their SQL.
                telemetry.WithTracing(tracing => tracing
                        .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                        .AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = context => !IsProbe(context.Request.Path))
                        .AddNpgsql())
                    .UseOtlpExporter();
            }
        }

        builder.Services.AddSingleton(new PrometheusEndpoint(prometheus && options.Prometheus.Port is null));
        if (prometheus && options.Prometheus.Port is { } port)
        {
            builder.Services.AddHostedService(services => new MetricsPortServer(port, services));
        }

        if (hostsSilo)
        {
            builder.Services.AddHostedService<PendingFollowUpsGauge>();
        }

        return builder;
    }

    /// <summary><c>/metrics</c> on this host's own port, when that is where Prometheus scrapes.</summary>
    public static WebApplication MapRecoveryTelemetry(this WebApplication app)
    {
        if (app.Services.GetRequiredService<PrometheusEndpoint>().OnHostPort)
        {
            app.MapPrometheusScrapingEndpoint(MetricsPath);
        }

        return app;
    }

    /// <summary>Probes and scrapes come every few seconds and say nothing about a request's path through the engine.</summary>
    private static bool IsProbe(PathString path) => path.StartsWithSegments("/health") || path.StartsWithSegments(MetricsPath);

    private sealed record PrometheusEndpoint(bool OnHostPort);
}
