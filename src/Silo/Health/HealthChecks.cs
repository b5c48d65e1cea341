using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace Orleans.Recovery.Silo.Health;

/// <summary>The database (SQLite file or PostgreSQL) opens and holds the provider queries.</summary>
public sealed class DatabaseHealthCheck(RecoverySettings settings) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (settings.UsesMemory)
        {
            return HealthCheckResult.Degraded("Memory: nothing survives a restart");
        }

        await using var connection = settings.DbFactory.CreateConnection()!;
        connection.ConnectionString = settings.ConnectionString;
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM OrleansQuery";
        var queries = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken));
        return queries > 0
            ? HealthCheckResult.Healthy($"{settings.Storage}: {queries} provider queries")
            : HealthCheckResult.Unhealthy($"{settings.Storage}: the schema is not applied");
    }
}

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
