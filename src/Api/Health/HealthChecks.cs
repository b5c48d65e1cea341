using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Silo;
using Orleans.Runtime;

namespace Orleans.Recovery.Api.Health;

/// <summary>The cluster answers and at least one silo is active.</summary>
public sealed class SiloHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(cancellationToken);
        return hosts.Count > 0 ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)") : HealthCheckResult.Unhealthy("No active silo");
    }
}

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

/// <summary>A silo can deliver mail: its SMTP relay answers, or its pickup directory is writable.</summary>
public sealed class MailHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = await grains.GetGrain<IMailStatusGrain>(0).CheckAsync().WaitAsync(cancellationToken);
        return status.Reachable
            ? HealthCheckResult.Healthy(status.Transport)
            : HealthCheckResult.Unhealthy($"{status.Transport} is not reachable");
    }
}
