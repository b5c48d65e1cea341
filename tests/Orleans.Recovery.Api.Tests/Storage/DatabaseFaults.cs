using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Orleans.Recovery.Api.Tests.Storage;

/// <summary>
/// Turns the product's database off and on for grain state and reminders, in front of the real SQLite providers: the
/// one fault a test cannot make the real file produce on demand, call by call. Tests of a real outage (PostgreSQL
/// refusing the role, a full disk) use the real server instead.
/// </summary>
public sealed class DatabaseFaults
{
    private volatile bool _failing;
    private volatile bool _readsFail;
    private int _refused;

    /// <summary>
    /// Every write and clear of grain state and every reminder change fails from now on, and with
    /// <paramref name="readsToo"/> every read of grain state as well: a server that refuses connections, where without
    /// it the database reads but cannot write, as a full disk does.
    /// </summary>
    public void Fail(bool readsToo = true)
    {
        _readsFail = readsToo;
        _failing = true;
    }

    public void Heal() => _failing = false;

    /// <summary>How many operations were refused since the test began.</summary>
    public int Refused => Volatile.Read(ref _refused);

    internal void Check(bool read = false)
    {
        if (_failing && (!read || _readsFail))
        {
            Interlocked.Increment(ref _refused);
            throw new InjectedDatabaseFault();
        }
    }

    /// <summary>Puts the switch in front of the grain storage named <paramref name="storageName"/> and the reminder table, as registered so far.</summary>
    public void Install(IServiceCollection services, string storageName)
    {
        services.AddSingleton(this);
        var storage = services.Last(service => service.ServiceType == typeof(IGrainStorage) && Equals(service.ServiceKey, storageName));
        services.AddKeyedSingleton<IGrainStorage>(storageName, (provider, key) => new FaultyGrainStorage((IGrainStorage)Build(storage, provider, key), this));
        var reminders = services.Last(service => service.ServiceType == typeof(IReminderTable) && !service.IsKeyedService);
        services.AddSingleton<IReminderTable>(provider => new FaultyReminderTable((IReminderTable)Build(reminders, provider, null), this));
    }

    private static object Build(ServiceDescriptor service, IServiceProvider provider, object? key) => service.IsKeyedService
        ? service.KeyedImplementationFactory?.Invoke(provider, key) ?? service.KeyedImplementationInstance ?? ActivatorUtilities.CreateInstance(provider, service.KeyedImplementationType!)
        : service.ImplementationFactory?.Invoke(provider) ?? service.ImplementationInstance ?? ActivatorUtilities.CreateInstance(provider, service.ImplementationType!);

    private sealed class FaultyGrainStorage(IGrainStorage inner, DatabaseFaults faults) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            faults.Check(read: true);
            return inner.ReadStateAsync(stateName, grainId, grainState);
        }

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            faults.Check();
            return inner.WriteStateAsync(stateName, grainId, grainState);
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            faults.Check();
            return inner.ClearStateAsync(stateName, grainId, grainState);
        }

        public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
    }

    private sealed class FaultyReminderTable(IReminderTable inner, DatabaseFaults faults) : IReminderTable
    {
        public Task StartAsync(CancellationToken cancellationToken) => inner.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => inner.StopAsync(cancellationToken);

        public Task<ReminderTableData> ReadRows(GrainId grainId) => inner.ReadRows(grainId);

        public Task<ReminderTableData> ReadRows(uint begin, uint end) => inner.ReadRows(begin, end);

        public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => inner.ReadRow(grainId, reminderName);

        public Task<string?> UpsertRow(ReminderEntry entry)
        {
            faults.Check();
            return inner.UpsertRow(entry);
        }

        public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
        {
            faults.Check();
            return inner.RemoveRow(grainId, reminderName, eTag);
        }

        public Task TestOnlyClearTable() => inner.TestOnlyClearTable();
    }
}

/// <summary>What the database driver throws when its server is gone: a <see cref="DbException"/>, as Npgsql's and SQLite's are.</summary>
public sealed class InjectedDatabaseFault() : DbException("The test turned the database off (connection refused).");
