using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Recovery.Silo.Storage;
using Orleans.Serialization;
using Orleans.Storage;

namespace Orleans.Recovery.Silo;

public static class RecoverySiloExtensions
{
    /// <summary>
    /// A silo of the recovery engine: localhost clustering, grain state and reminders in the SQLite file through the
    /// Orleans ADO.NET providers, and the services the grains need.
    /// </summary>
    public static ISiloBuilder AddRecoverySilo(this ISiloBuilder silo, IConfiguration configuration)
    {
        var settings = RecoverySettings.From(configuration);

        silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, serviceId: settings.ServiceId, clusterId: settings.ClusterId);

        silo.AddAdoNetGrainStorage(RecoveryStorage.Name, options =>
        {
            options.Invariant = RecoverySettings.SqliteInvariant;
            options.ConnectionString = settings.ConnectionString;
        });

        // State is written with the Orleans serializer, whose [Id]s on every state member keep stored grains readable
        // when members are renamed or added.
        silo.Services.AddOptions<AdoNetGrainStorageOptions>(RecoveryStorage.Name)
            .Configure<Serializer>((options, serializer) => options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));

        silo.UseAdoNetReminderService(options =>
        {
            options.Invariant = RecoverySettings.SqliteInvariant;
            options.ConnectionString = settings.ConnectionString;
        });

        if (settings.ApplySchema)
        {
            silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(provider =>
                new SqliteSchema(settings.ConnectionString, provider.GetRequiredService<ILogger<SqliteSchema>>()));
        }

        silo.Services.AddSingleton(settings);
        silo.Services.AddRecoveryGrainServices();
        return silo;
    }
}
