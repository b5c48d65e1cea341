using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Reports;
using Orleans.Recovery.Silo.Storage;

namespace Orleans.Recovery.Silo.Ledger;

public static class LedgerServices
{
    /// <summary>The ledger on the database <paramref name="settings"/> name, written by this process's grains and read by its reports.</summary>
    public static IServiceCollection AddRecoveryLedger(this IServiceCollection services, RecoverySettings settings) =>
        services.AddRecoveryLedger(provider => LedgerDatabase.For(settings, provider.GetService<SqliteWriteGate>()));

    /// <summary>The ledger on <paramref name="database"/>: how tests put it on a database of their own.</summary>
    public static IServiceCollection AddRecoveryLedger(this IServiceCollection services, Func<IServiceProvider, LedgerDatabase> database)
    {
        services.AddLedgerDatabase(database);
        services.TryAddSingleton<SqlLedger>();
        services.TryAddSingleton<ILedger>(provider => provider.GetRequiredService<SqlLedger>());
        return services;
    }

    /// <summary>The ledger's database and options, for a process that reads reports (an API that is a cluster's client) or writes.</summary>
    public static IServiceCollection AddLedgerDatabase(this IServiceCollection services, Func<IServiceProvider, LedgerDatabase> database)
    {
        services.AddOptions<AttributionOptions>().BindConfiguration(AttributionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<LeadOptions>().BindConfiguration(LeadOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(database);
        services.TryAddSingleton<LedgerReports>();
        services.TryAddSingleton<Storage.DatabaseVacuum>();
        services.TryAddSingleton<LedgerErasure>();
        return services;
    }
}
