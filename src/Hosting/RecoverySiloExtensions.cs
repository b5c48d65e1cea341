using Microsoft.Extensions.Configuration;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Recovery.Hosting;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Hosting.Security;
using Orleans.Recovery.Retention;
using Orleans.Recovery.Hosting.Retention;
using Orleans.Recovery.Hosting.Storage;
using Orleans.Serialization;
using Orleans.Storage;

namespace Orleans.Recovery.Hosting;

public static class RecoverySiloExtensions
{
    /// <summary>
    /// A silo of the recovery engine. By default: localhost clustering, with grain state and reminders in the SQLite file.
    /// With <c>Recovery:Storage=PostgreSQL</c> state and reminders live in PostgreSQL, and with
    /// <c>Recovery:Clustering=AdoNet</c> silos find each other through the membership table there too. All of it goes
    /// through the Orleans ADO.NET providers, with our own schema.
    /// </summary>
    public static ISiloBuilder AddRecoverySilo(this ISiloBuilder silo, IConfiguration configuration)
    {
        var settings = RecoverySettings.From(configuration);

        // Traces follow a request from the API through the grains it calls (OpenTelemetry, TelemetryExtensions).
        silo.AddActivityPropagation();

        if (settings.IsCluster)
        {
            silo.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = settings.ClusterId;
                options.ServiceId = settings.ServiceId;
            });
            silo.UseAdoNetClustering(options => options.Invariant = settings.Invariant);
            silo.Services.AddOptions<AdoNetClusteringSiloOptions>().Configure<RecoveryDataSource>((options, database) => options.DataSource = database.Source);

            // Listen on every interface (a container's address is not known in advance) and advertise the configured
            // address, or one of this machine's (loopback, with a warning, when it has no other).
            silo.Services.AddOptions<EndpointOptions>().Configure<ILoggerFactory>((options, loggers) =>
            {
                options.SiloPort = settings.SiloPort;
                options.GatewayPort = settings.GatewayPort;
                var advertised = settings.AdvertisedAddress ?? ChooseAddress(loggers.CreateLogger(typeof(AdvertisedAddress)));
                var any = advertised.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
                options.AdvertisedIPAddress = advertised;
                options.SiloListeningEndpoint = new(any, settings.SiloPort);
                options.GatewayListeningEndpoint = new(any, settings.GatewayPort);
            });
        }
        else
        {
            silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, serviceId: settings.ServiceId, clusterId: settings.ClusterId);
        }

        if (settings.UsesMemory)
        {
            silo.AddMemoryGrainStorage(RecoveryStorage.Name);

            // The Orleans serializer here too, as for the ADO.NET storage: its default, Newtonsoft JSON, was about a fifth
            // of the cart grain's own CPU in a profile of the in-memory load.
            silo.Services.AddOptions<MemoryGrainStorageOptions>(RecoveryStorage.Name)
                .Configure<Serializer>((options, serializer) => options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
            silo.UseInMemoryReminderService();
        }
        else
        {
            // State, reminders, membership and the ledger share the process's one data source (RecoveryDataSource).
            silo.AddAdoNetGrainStorage(RecoveryStorage.Name, options => options.Invariant = settings.Invariant);

            // State is written with the Orleans serializer, whose [Id]s on every state member keep stored grains
            // readable when members are renamed or added.
            silo.Services.AddOptions<AdoNetGrainStorageOptions>(RecoveryStorage.Name)
                .Configure<Serializer, RecoveryDataSource>((options, serializer, database) =>
                {
                    options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
                    options.DataSource = database.Source;
                });

            silo.UseAdoNetReminderService(options => options.Invariant = settings.Invariant);
            silo.Services.AddOptions<AdoNetReminderTableOptions>().Configure<RecoveryDataSource>((options, database) => options.DataSource = database.Source);
            if (!settings.UsesPostgreSql)
            {
                silo.Services.AddSqliteWriteGate(RecoveryStorage.Name);
            }
        }

        if (ClusterTls.From(configuration) is { } tls)
        {
            silo.UseTls(tls.Configure);
        }

        silo.Services.AddRecoveryDatabase(settings);
        silo.Services.AddRecoveryLedger(provider => settings.LedgerDatabase(provider.GetRequiredService<RecoveryDataSource>().Source, provider.GetService<SqliteWriteGate>()));
        if (settings.ApplySchema && !settings.UsesMemory)
        {
            silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, DatabaseSchemaLifecycle>();
        }

        if (!settings.UsesMemory)
        {
            silo.Services.AddSingleton<IStoredGrains, StoredGrains>();

            // Data stored by versions before keyed customer keys is moved to them before the silo serves.
            silo.Services.AddSingleton<CustomerRekeying>();
            silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(services => services.GetRequiredService<CustomerRekeying>());
        }

        // Every silo arms the daily retention sweep, in the background: arming it again changes nothing, and a silo
        // must not stop because the reminder service was not ready for it yet.
        silo.Services.AddSingleton(RetentionSweepArming.Create);
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(services => services.GetRequiredService<RetentionSweepArming>());
        silo.Services.AddRecoveryGrainServices(signingKeyMayBeGenerated: !settings.IsCluster);
        return silo;
    }

    private static IPAddress ChooseAddress(ILogger logger)
    {
        var (address, loopbackOnly) = AdvertisedAddress.Choose(AdvertisedAddress.OfThisMachine());
        if (loopbackOnly)
        {
            logger.LogWarning(
                "This machine has no network address but loopback, so the silo advertises {Address}: only silos and clients on this machine can reach it. Set {Key} to an address the others reach it at",
                address, AdvertisedAddress.Key);
        }
        else
        {
            logger.LogInformation("The silo advertises {Address}; set {Key} to choose another", address, AdvertisedAddress.Key);
        }

        return address;
    }

    /// <summary>The settings and the schema applier, for silos and for API processes that are clients of a cluster.</summary>
    public static IServiceCollection AddRecoveryDatabase(this IServiceCollection services, RecoverySettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton<RecoveryDataSource>();
        services.AddSingleton<DatabaseSchema>();
        return services;
    }
}
