using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Silo;
using Orleans.Runtime;

namespace Orleans.Recovery.Api.Health;

/// <summary>The silo answers and at least one silo is active.</summary>
public sealed class SiloHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(cancellationToken);
        return hosts.Count > 0 ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)") : HealthCheckResult.Unhealthy("No active silo");
    }
}

/// <summary>The database opens and holds the provider queries.</summary>
public sealed class DatabaseHealthCheck(RecoverySettings settings) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var connection = new SqliteConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM OrleansQuery";
        var queries = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken));
        return queries > 0 ? HealthCheckResult.Healthy($"{queries} provider queries") : HealthCheckResult.Unhealthy("The schema is not applied");
    }
}

/// <summary>Mail can be delivered: the SMTP relay answers, or the pickup directory is writable.</summary>
public sealed class MailHealthCheck(IMailTransport transport) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        return await transport.IsReachableAsync(timeout.Token)
            ? HealthCheckResult.Healthy(transport.Name)
            : HealthCheckResult.Unhealthy($"{transport.Name} is not reachable");
    }
}
