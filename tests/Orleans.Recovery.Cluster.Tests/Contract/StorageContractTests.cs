using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.Recovery.Cluster.Tests.Contract;

/// <summary>
/// Our persistence SQL under the Orleans ADO.NET grain storage, as a started silo uses it. The ETag is what makes a
/// cart's claim before sending safe across silos: a stale writer must fail and change nothing.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Database")]
public sealed class StorageContractTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const string StateName = "contract";
    private IHost _host = null!;
    private IGrainStorage _storage = null!;

    public async Task InitializeAsync()
    {
        _host = await ProviderHost.StartAsync(await postgres.Server.CreateDatabaseAsync("storage"));
        _storage = _host.Services.GetRequiredKeyedService<IGrainStorage>(RecoveryStorage.Name);
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();

        // Idle pooled connections to this class's database would otherwise hold server slots the cluster test needs.
        Npgsql.NpgsqlConnection.ClearAllPools();
    }

    [Fact]
    public async Task StateReadsBackWithTheETagOfItsLastWrite()
    {
        var grain = NewGrain();
        var state = new GrainState<ContractState>(new ContractState { Attempts = 1 });

        await _storage.WriteStateAsync(StateName, grain, state);
        var firstETag = state.ETag;
        state.State!.Attempts = 2;
        await _storage.WriteStateAsync(StateName, grain, state);

        var read = await ReadAsync(grain);
        Assert.Equal(2, read.State!.Attempts);
        Assert.Equal(state.ETag, read.ETag);
        Assert.NotEqual(firstETag, state.ETag);
        Assert.True(read.RecordExists);
    }

    [Fact]
    public async Task AWriteWithAStaleETagThrowsAndChangesNothing()
    {
        var grain = NewGrain();
        var winner = new GrainState<ContractState>(new ContractState { Attempts = 1 });
        await _storage.WriteStateAsync(StateName, grain, winner);
        var loser = new GrainState<ContractState>(new ContractState { Attempts = 1 }) { ETag = winner.ETag };
        winner.State!.LastFailure = "451";
        await _storage.WriteStateAsync(StateName, grain, winner);

        loser.State!.DeliveredAt = DateTimeOffset.UtcNow;
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync(StateName, grain, loser));

        var read = await ReadAsync(grain);
        Assert.Null(read.State!.DeliveredAt);
        Assert.Equal("451", read.State!.LastFailure);
    }

    [Fact]
    public async Task OfTwoFirstWritesRacingForANewGrainExactlyOneWins()
    {
        var grain = NewGrain();

        var writes = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(async () =>
        {
            try
            {
                await _storage.WriteStateAsync(StateName, grain, new GrainState<ContractState>(new ContractState { Attempts = i }));
                return i;
            }
            catch (InconsistentStateException)
            {
                return -1;
            }
        })));

        var winner = Assert.Single(writes, i => i >= 0);
        Assert.Equal(winner, (await ReadAsync(grain)).State!.Attempts);
    }

    [Fact]
    public async Task ClearingNeedsTheCurrentETagToo()
    {
        var grain = NewGrain();
        var state = new GrainState<ContractState>(new ContractState { Attempts = 3 });
        await _storage.WriteStateAsync(StateName, grain, state);
        var stale = new GrainState<ContractState>(new ContractState()) { ETag = "0" };

        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.ClearStateAsync(StateName, grain, stale));
        Assert.Equal(3, (await ReadAsync(grain)).State!.Attempts);

        await _storage.ClearStateAsync(StateName, grain, state);
        var cleared = await ReadAsync(grain);
        Assert.Equal(0, cleared.State!.Attempts);

        // A write after the clear continues from the cleared row's ETag.
        cleared.State!.Attempts = 4;
        await _storage.WriteStateAsync(StateName, grain, cleared);
        Assert.Equal(4, (await ReadAsync(grain)).State!.Attempts);
    }

    [Fact]
    public async Task StatesOfOneKeyUnderDifferentStateNamesKeepSeparateRows()
    {
        var grain = NewGrain();
        await _storage.WriteStateAsync(StateName, grain, new GrainState<ContractState>(new ContractState { Attempts = 1 }));
        await _storage.WriteStateAsync("other", grain, new GrainState<ContractState>(new ContractState { Attempts = 3 }));

        Assert.Equal(1, (await ReadAsync(grain)).State!.Attempts);
        var other = new GrainState<ContractState>(new ContractState());
        await _storage.ReadStateAsync("other", grain, other);
        Assert.Equal(3, other.State!.Attempts);
    }

    [Fact]
    public void EveryGrainClassStoresItsStateUnderAStateNameOfItsOwn()
    {
        // The provider identifies a row by the grain's key and the state name, not the grain's type: a cart and a mail
        // grain with the same key would share a row if they shared a state name.
        var names = typeof(RecoveryStorage).Assembly.GetTypes()
            .Where(type => typeof(Grain).IsAssignableFrom(type))
            .SelectMany(type => type.GetConstructors().SelectMany(c => c.GetParameters()))
            .Select(parameter => parameter.GetCustomAttributes(typeof(PersistentStateAttribute), false).OfType<PersistentStateAttribute>().SingleOrDefault())
            .OfType<PersistentStateAttribute>()
            .Select(attribute => attribute.StateName)
            .ToList();

        Assert.True(names.Count >= 4, $"found the state names {string.Join(", ", names)}");
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    private static GrainId NewGrain() => GrainId.Create("contract", $"contract/{Guid.NewGuid():N}");

    private async Task<GrainState<ContractState>> ReadAsync(GrainId grain)
    {
        var state = new GrainState<ContractState>(new ContractState());
        await _storage.ReadStateAsync(StateName, grain, state);
        return state;
    }
}

/// <summary>A state of the test's own: the contract is the provider's, whatever the grain.</summary>
[GenerateSerializer]
public sealed class ContractState
{
    [Id(0)] public int Attempts { get; set; }
    [Id(1)] public string? LastFailure { get; set; }
    [Id(2)] public DateTimeOffset? DeliveredAt { get; set; }
}
