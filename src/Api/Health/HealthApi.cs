using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Recovery.Api.Auth;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Hosting.Health;

namespace Orleans.Recovery.Api.Health;

/// <summary>
/// <c>/health/live</c>: the process is up. <c>/health/ready</c>: silo, database and mail are reachable. Both answer
/// without a key, with each check's status only; the operator key also shows what each check found.
/// </summary>
public static class HealthApi
{
    public static IServiceCollection AddRecoveryHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<SiloHealthCheck>("silo", tags: [SiloHealth.Ready])
            .AddDatabaseCheck("database", [SiloHealth.Ready])
            .AddCheck<MailHealthCheck>("mail", tags: [SiloHealth.Ready])
            .AddCheck<BounceMailboxHealthCheck>("bounce-mailbox", tags: [SiloHealth.Ready]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapProbes(context => context.User.HasClaim(ApiScopes.ClaimType, ApiScopes.Operator));
        return app;
    }
}

/// <summary>The cluster answers and at least one silo is active.</summary>
public sealed class SiloHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(cancellationToken);
        return hosts.Count > 0 ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)") : HealthCheckResult.Unhealthy("No active silo");
    }
}

/// <summary>
/// A silo can deliver mail: its SMTP relay answers, or its pickup directory is writable. The silo answers from what its
/// connections last saw, so probes open at most one session at the relay per <c>Recovery:Health:MailCheckInterval</c>,
/// and none while mail flows (see <see cref="IMailTransport.IsReachableAsync"/>).
/// </summary>
public sealed class MailHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = await grains.GetGrain<IMailStatusGrain>(0).CheckAsync().WaitAsync(cancellationToken);
        // The record to publish, for the operator: shown with the details, which need the operator key.
        var data = status.Dkim is { } dkim
            ? new Dictionary<string, object> { ["dkimRecordName"] = dkim.Name, ["dkimRecordValue"] = dkim.Value, ["dkimAlgorithm"] = dkim.Algorithm }
            : new Dictionary<string, object> { ["dkim"] = "off: Recovery:Dkim is not set" };
        return status.Reachable
            ? HealthCheckResult.Healthy(status.Transport, data)
            : HealthCheckResult.Unhealthy($"{status.Transport} is not reachable", data: data);
    }
}

/// <summary>
/// The bounce mailbox (<c>Recovery:Bounces:Imap</c>) could be read on its last pass. One that cannot is Degraded, with its
/// reason, never Unhealthy: mail goes out regardless, and the bounces wait in the mailbox for the next read.
/// </summary>
public sealed class BounceMailboxHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // Its own call, which reads what the silo's last pass found: the relay is probed once, by the mail check.
        var check = await grains.GetGrain<IMailStatusGrain>(0).CheckBounceMailboxAsync().WaitAsync(cancellationToken);
        return check switch
        {
            { Configured: false } => HealthCheckResult.Healthy("off: Recovery:Bounces:Imap:Host is not set"),
            { Status: null } => HealthCheckResult.Healthy("not read yet"),
            { Status: { Reachable: true } read } => HealthCheckResult.Healthy($"{read.Mailbox} read at {read.LastReadAt:O}; {read.Processed} report(s) processed"),
            { Status: { } failed } => HealthCheckResult.Degraded($"{failed.Mailbox} could not be read: {failed.Problem}. Mail is sent regardless."),
        };
    }
}
