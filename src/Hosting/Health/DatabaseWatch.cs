using Orleans.Recovery.Hosting.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Orleans.Recovery.Hosting.Health;

/// <summary>What the <see cref="DatabaseWatch"/> saw when it last looked.</summary>
public sealed record DatabaseObservation(bool Reachable, string Description, DateTimeOffset At);

/// <summary>
/// Looks at the database every <see cref="Interval"/> with one connection, so readiness answers from what it saw last:
/// a flood of probes, which need no key, opens no connection and cannot drain the pool the grains write through.
/// </summary>
public sealed partial class DatabaseWatch(RecoverySettings settings, RecoveryDataSource database, TimeProvider clock, ILogger<DatabaseWatch> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>The longest one look may take: a server that accepts the connection and never answers is unreachable too.</summary>
    private static readonly TimeSpan LookTimeout = TimeSpan.FromSeconds(3);

    private volatile DatabaseObservation? _last;

    public DatabaseObservation? Last => _last;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            var seen = await LookAsync(stoppingToken);
            if (_last is { } before && before.Reachable != seen.Reachable)
            {
                LogChanged(seen.Reachable ? "reachable again" : "unreachable", seen.Description);
            }

            _last = seen;
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<DatabaseObservation> LookAsync(CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(LookTimeout);
        try
        {
            await using var connection = await database.Source.OpenConnectionAsync(timeout.Token);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM OrleansQuery";
            var queries = Convert.ToInt64(await command.ExecuteScalarAsync(timeout.Token));
            return queries > 0
                ? new(true, $"{settings.Storage}: {queries} provider queries", clock.GetUtcNow())
                : new(false, $"{settings.Storage}: the schema is not applied", clock.GetUtcNow());
        }
        catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
        {
            var reason = exception is OperationCanceledException ? $"no answer within {LookTimeout.TotalSeconds:0} s" : exception.Message;
            return new(false, $"{settings.Storage}: {reason}", clock.GetUtcNow());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database is {State}: {Description}")]
    private partial void LogChanged(string state, string description);
}

/// <summary>The database as the <see cref="DatabaseWatch"/> last saw it; an observation older than three looks counts as none.</summary>
public sealed class DatabaseHealthCheck(RecoverySettings settings, DatabaseWatch watch, TimeProvider clock) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (settings.UsesMemory)
        {
            return Task.FromResult(HealthCheckResult.Degraded("Memory: nothing survives a restart"));
        }

        return Task.FromResult(watch.Last switch
        {
            null => HealthCheckResult.Unhealthy($"{settings.Storage}: not looked at yet"),
            { } seen when clock.GetUtcNow() - seen.At > 3 * DatabaseWatch.Interval => HealthCheckResult.Unhealthy($"{settings.Storage}: not looked at since {seen.At:O}"),
            { Reachable: true } seen => HealthCheckResult.Healthy(seen.Description),
            { } seen => HealthCheckResult.Unhealthy(seen.Description),
        });
    }
}

public static class DatabaseHealthExtensions
{
    /// <summary>The readiness check of the database, and the one watch that looks at it in the background.</summary>
    public static IHealthChecksBuilder AddDatabaseCheck(this IHealthChecksBuilder checks, string name, IEnumerable<string> tags)
    {
        checks.Services.AddSingleton<DatabaseWatch>();
        checks.Services.AddHostedService(services => services.GetRequiredService<DatabaseWatch>());
        return checks.AddCheck<DatabaseHealthCheck>(name, tags: tags);
    }
}
