using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Hosting.Storage;

/// <summary>The ADO.NET grain storage with its writes and clears taken in turn through the <see cref="SqliteWriteGate"/>.</summary>
internal sealed class GatedGrainStorage(IGrainStorage inner, SqliteWriteGate gate) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        gate.WriteAsync(() => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        gate.WriteAsync(() => inner.ClearStateAsync(stateName, grainId, grainState));

    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
}

/// <summary>The ADO.NET reminder table with its upserts and removals taken in turn through the <see cref="SqliteWriteGate"/>.</summary>
internal sealed class GatedReminderTable(IReminderTable inner, SqliteWriteGate gate) : IReminderTable
{
    public Task StartAsync(CancellationToken cancellationToken) => inner.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => inner.StopAsync(cancellationToken);

    public Task<ReminderTableData> ReadRows(GrainId grainId) => inner.ReadRows(grainId);

    public Task<ReminderTableData> ReadRows(uint begin, uint end) => inner.ReadRows(begin, end);

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => inner.ReadRow(grainId, reminderName);

    public Task<string?> UpsertRow(ReminderEntry entry) => gate.WriteAsync(() => inner.UpsertRow(entry));

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) =>
        gate.WriteAsync(() => inner.RemoveRow(grainId, reminderName, eTag));

    public Task TestOnlyClearTable() => gate.WriteAsync(inner.TestOnlyClearTable);
}

public static class SqliteWriteGateExtensions
{
    /// <summary>
    /// Puts the gate in front of the grain storage named <paramref name="storageName"/> and the reminder table, both
    /// registered before this call by the ADO.NET providers.
    /// </summary>
    public static IServiceCollection AddSqliteWriteGate(this IServiceCollection services, string storageName)
    {
        services.AddSingleton<SqliteWriteGate>();
        services.AddKeyedSingleton<IGrainStorage>(storageName, (provider, key) =>
            new GatedGrainStorage(AdoNetGrainStorageFactory.Create(provider, (string)key!), provider.GetRequiredService<SqliteWriteGate>()));

        // The ADO.NET reminder table is internal to its package: build what it registered, then wrap it.
        var reminders = services.Last(service => service.ServiceType == typeof(IReminderTable) && !service.IsKeyedService);
        services.AddSingleton<IReminderTable>(provider => new GatedReminderTable(
            reminders.ImplementationFactory?.Invoke(provider) as IReminderTable
                ?? (IReminderTable)ActivatorUtilities.CreateInstance(provider, reminders.ImplementationType!),
            provider.GetRequiredService<SqliteWriteGate>()));
        return services;
    }
}
