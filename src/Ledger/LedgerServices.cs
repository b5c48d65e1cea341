using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Ledger;

public static class LedgerServices
{
    /// <summary>The ledger on <paramref name="database"/>, written by this process's grains and read by its reports.</summary>
    public static IServiceCollection AddRecoveryLedger(this IServiceCollection services, Func<IServiceProvider, LedgerDatabase> database)
    {
        services.AddLedgerDatabase(database);
        services.TryAddSingleton<SqlLedger>();
        services.TryAddSingleton<ILedger>(provider => provider.GetRequiredService<SqlLedger>());
        return services;
    }

    /// <summary>
    /// The ledger's database and options, and its report queries, for a process that reads reports (an API that is a
    /// cluster's client) or writes.
    /// </summary>
    public static IServiceCollection AddLedgerDatabase(this IServiceCollection services, Func<IServiceProvider, LedgerDatabase> database)
    {
        services.AddOptions<AttributionOptions>().BindConfiguration(AttributionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<LeadOptions>().BindConfiguration(LeadOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(database);
        services.TryAddSingleton<StatsCountsQuery>();
        services.TryAddSingleton<DailyCountsQuery>();
        services.TryAddSingleton<LeadListQuery>();
        services.TryAddSingleton<PendingFollowUpsQuery>();
        services.TryAddSingleton<FailedPaymentsQuery>();
        services.TryAddSingleton<CustomerLedgerQuery>();
        services.TryAddSingleton<DatabaseVacuum>();
        services.TryAddSingleton<LedgerErasure>();
        return services;
    }
}
