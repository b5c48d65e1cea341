using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace Orleans.Recovery.Hosting.Health;

/// <summary>This silo is an active member of its cluster: it hosts grains and takes its share of the reminders.</summary>
public sealed class LocalSiloHealthCheck(ILocalSiloDetails silo, IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var active = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(cancellationToken);
        return active.ContainsKey(silo.SiloAddress)
            ? HealthCheckResult.Healthy($"{silo.SiloAddress} is active among {active.Count} silo(s)")
            : HealthCheckResult.Unhealthy($"{silo.SiloAddress} is not an active member yet");
    }
}
