using Orleans.Configuration;
using Orleans.Recovery.Hosting;
using Orleans.Recovery.Hosting.Security;
using Orleans.Recovery.Hosting.Storage;

namespace Orleans.Recovery.Api.Cluster;

public static class ClusterClientExtensions
{
    /// <summary>An Orleans client of the cluster named by the settings, finding gateways through the membership table.</summary>
    public static IClientBuilder AddRecoveryClusterClient(this IClientBuilder client, RecoverySettings settings, ClusterTls? tls)
    {
        if (tls is not null)
        {
            client.UseTls(tls.Configure);
        }

        client.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = settings.ClusterId;
            options.ServiceId = settings.ServiceId;
        });
        client.UseAdoNetClustering(options => options.Invariant = settings.Invariant);
        client.Services.AddOptions<AdoNetClusteringClientOptions>().Configure<RecoveryDataSource>((options, database) => options.DataSource = database.Source);
        client.UseConnectionRetryFilter<WaitForSilos>();
        client.AddActivityPropagation();
        return client;
    }
}

/// <summary>
/// API processes may start before any silo, or while every silo restarts: keep trying, and say so in the log, rather
/// than exiting. Readiness (/health/ready) reports the silo check unhealthy meanwhile.
/// </summary>
internal sealed partial class WaitForSilos(ILogger<WaitForSilos> logger) : IClientConnectionRetryFilter
{
    private int _attempts;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        var attempt = Interlocked.Increment(ref _attempts);
        LogWaiting(attempt, exception.GetType().Name, exception.Message);
        await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), cancellationToken);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No silo of the cluster reachable yet (attempt {Attempt}, {Error}: {Detail}); retrying")]
    private partial void LogWaiting(int attempt, string error, string detail);
}

/// <summary>Applies the schema before the Orleans client reads its queries.</summary>
internal sealed class SchemaOnStart(DatabaseSchema schema) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => schema.ApplyAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
