using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Orleans.Recovery.Bench;

/// <summary>An Orleans client of the product's silo, through its gateway, for the management grain's view of memory.</summary>
public sealed class SiloProbe : IAsyncDisposable
{
    private readonly IHost _host;

    private SiloProbe(IHost host) => _host = host;

    private IManagementGrain Management => _host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);

    public static async Task<SiloProbe> ConnectAsync(int gatewayPort)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client => client.UseLocalhostClustering(gatewayPort, serviceId: "recovery", clusterId: "recovery"));
        var host = builder.Build();
        await host.StartAsync();
        return new SiloProbe(host);
    }

    /// <summary>
    /// Deactivates every idle grain, collects garbage, and returns the silo's managed memory (live heap plus
    /// fragmentation, as Orleans reports it) and how many activations remain.
    /// </summary>
    public async Task<(long Bytes, int Activations)> MemoryAfterCollectionAsync()
    {
        var silos = (await Management.GetHosts(onlyActive: true)).Keys.ToArray();
        await Management.ForceActivationCollection(silos, TimeSpan.Zero);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await Management.ForceGarbageCollection(silos);
        await Management.ForceGarbageCollection(silos);

        // The silo samples its environment about once a second.
        await Task.Delay(TimeSpan.FromSeconds(3));
        await Management.ForceRuntimeStatisticsCollection(silos);
        var statistics = (await Management.GetRuntimeStatistics(silos)).Single();
        return (statistics.EnvironmentStatistics.RawMemoryUsageBytes, statistics.ActivationCount);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
