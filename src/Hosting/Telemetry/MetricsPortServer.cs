using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Orleans.Recovery.Hosting.Telemetry;

/// <summary>
/// <c>/metrics</c> on a port of its own (<c>Recovery:Telemetry:Prometheus:Port</c>), on every interface: a second,
/// bare Kestrel server in this process that serves only the scrape, from the host's own meters, so the API's port
/// never shows it and a firewall can open one without the other.
/// </summary>
internal sealed class MetricsPortServer(int port, IServiceProvider services) : IHostedService, IAsyncDisposable
{
    private WebApplication? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });

        // Nothing of the host's configuration (its URLs above all) applies to this one.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.WebHost.UseUrls($"http://*:{port}");
        builder.Logging.ClearProviders();
        _server = builder.Build();
        _server.MapPrometheusScrapingEndpoint(TelemetryExtensions.MetricsPath, services.GetRequiredService<MeterProvider>(), null, null);
        await _server.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
