using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Recovery.Hosting;
using Orleans.Runtime;

namespace Orleans.Recovery.Cluster.Tests.Contract;

/// <summary>
/// Our clustering SQL under the Orleans ADO.NET clustering provider: the membership protocol is only safe if a write
/// with a stale table version changes nothing at all. Each test runs in its own cluster id.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Database")]
public sealed class MembershipContractTests(PostgresFixture postgres) : IAsyncLifetime
{
    private readonly List<IHost> _hosts = [];
    private string _connectionString = null!;

    public async Task InitializeAsync()
    {
        // A session time zone far from UTC: stored times must come back as the same instants.
        _connectionString = await postgres.Server.CreateDatabaseAsync("membership") + ";Timezone=Pacific/Auckland";
        var host = ProviderHost.Build(_connectionString, RecoverySettings.AdoNet);
        await host.ApplySchemaAsync();
        _hosts.Add(host);
    }

    public Task DisposeAsync()
    {
        _hosts.ForEach(host => host.Dispose());
        Npgsql.NpgsqlConnection.ClearAllPools();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task OfSilosJoiningWithTheSameTableVersionExactlyOneGetsIn()
    {
        var table = await NewTableAsync();
        var version = (await table.ReadAllAsync()).Version;

        var joins = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() => table.InsertRowAsync(Entry(20000 + i), version.Next()))));

        Assert.Single(joins, joined => joined);
        var after = await table.ReadAllAsync();
        Assert.Single(after.Members);
        Assert.Equal(version.Version + 1, after.Version.Version);
    }

    [Fact]
    public async Task InsertingAMemberThatExistsChangesNothingNotEvenTheVersion()
    {
        var table = await NewTableAsync();
        var entry = Entry(21000);
        Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        var before = await table.ReadAllAsync();

        Assert.False(await table.InsertRowAsync(entry, before.Version.Next()));

        var after = await table.ReadAllAsync();
        Assert.Single(after.Members);
        Assert.Equal(before.Version.Version, after.Version.Version);
    }

    [Fact]
    public async Task AnUpdateWithAStaleVersionChangesNothing()
    {
        var table = await NewTableAsync();
        var entry = Entry(22000);
        Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        var read = await table.ReadRowAsync(entry.SiloAddress);
        var (stored, etag) = read.Members.Single();

        stored.Status = SiloStatus.Active;
        Assert.True(await table.UpdateRowAsync(stored, etag, read.Version.Next()));

        // A second writer still holding the old version: refused, and neither the row nor the version moves.
        stored.Status = SiloStatus.Dead;
        Assert.False(await table.UpdateRowAsync(stored, etag, read.Version.Next()));
        var after = await table.ReadRowAsync(entry.SiloAddress);
        Assert.Equal(SiloStatus.Active, after.Members.Single().Item1.Status);
        Assert.Equal(read.Version.Version + 1, after.Version.Version);
    }

    [Fact]
    public async Task OfConcurrentUpdatesWithTheSameVersionExactlyOneApplies()
    {
        var table = await NewTableAsync();
        var entry = Entry(23000);
        Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        var read = await table.ReadRowAsync(entry.SiloAddress);
        var etag = read.Members.Single().Item2;

        var updates = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() =>
        {
            var suspect = Entry(23000);
            suspect.Status = SiloStatus.Active;
            suspect.SuspectTimes = [Tuple.Create(SiloAddress.New(IPAddress.Loopback, 24000 + i, 1), DateTime.UtcNow)];
            return table.UpdateRowAsync(suspect, etag, read.Version.Next());
        })));

        Assert.Single(updates, applied => applied);
        var after = await table.ReadRowAsync(entry.SiloAddress);
        Assert.Single(after.Members.Single().Item1.SuspectTimes!);
        Assert.Equal(read.Version.Version + 1, after.Version.Version);
    }

    [Fact]
    public async Task MembersReadBackAsWrittenAndOnlyActiveOnesAreGateways()
    {
        var table = await NewTableAsync();
        var joining = Entry(25000);
        var active = Entry(25001);
        active.Status = SiloStatus.Active;
        Assert.True(await table.InsertRowAsync(joining, (await table.ReadAllAsync()).Version.Next()));
        Assert.True(await table.InsertRowAsync(active, (await table.ReadAllAsync()).Version.Next()));
        var unknown = await table.ReadRowAsync(Entry(25999).SiloAddress);

        // Suspicions are written by updates (an insert has none).
        var beforeUpdate = await table.ReadRowAsync(active.SiloAddress);
        active.SuspectTimes = [Tuple.Create(joining.SiloAddress, new DateTime(2026, 11, 25, 1, 2, 3, DateTimeKind.Utc))];
        Assert.True(await table.UpdateRowAsync(active, beforeUpdate.Members.Single().Item2, beforeUpdate.Version.Next()));

        var read = (await table.ReadRowAsync(active.SiloAddress)).Members.Single().Item1;
        Assert.Equal(active.SiloAddress, read.SiloAddress);
        Assert.Equal(active.ProxyPort, read.ProxyPort);
        Assert.Equal(active.SiloName, read.SiloName);
        Assert.Equal(active.HostName, read.HostName);
        Assert.Equal(active.StartTime, read.StartTime, TimeSpan.FromMilliseconds(1));
        Assert.Equal(active.IAmAliveTime, read.IAmAliveTime, TimeSpan.FromMilliseconds(1));
        Assert.Equal(active.SuspectTimes.Single().Item2, read.SuspectTimes!.Single().Item2, TimeSpan.FromMilliseconds(1));
        Assert.Empty(unknown.Members);
        Assert.True(unknown.Version.Version >= 2);

        var alive = active.IAmAliveTime.AddSeconds(30);
        active.IAmAliveTime = alive;
        await table.UpdateIAmAliveAsync(active);
        Assert.Equal(alive, (await table.ReadRowAsync(active.SiloAddress)).Members.Single().Item1.IAmAliveTime, TimeSpan.FromMilliseconds(1));

        // What an API process's gateway list provider runs: active silos only, at their gateway (proxy) port.
        var gateways = await StoredQuery.ReadAsync(_connectionString, "GatewaysQueryKey", ("DeploymentId", ClusterIdOf(table)), ("Status", (int)SiloStatus.Active));
        var gateway = Assert.Single(gateways);
        Assert.Equal(("127.0.0.1", active.ProxyPort, active.SiloAddress.Generation), ((string)gateway["address"], (int)gateway["proxyport"], (int)gateway["generation"]));
    }

    [Fact]
    public async Task CleanupRemovesOnlyDeadSilosSilentSinceTheCutoff()
    {
        var table = await NewTableAsync();
        var longDead = Entry(26000, DateTime.UtcNow.AddDays(-2));
        longDead.Status = SiloStatus.Dead;
        var recentlyDead = Entry(26001);
        recentlyDead.Status = SiloStatus.Dead;
        var oldButActive = Entry(26002, DateTime.UtcNow.AddDays(-2));
        oldButActive.Status = SiloStatus.Active;
        foreach (var entry in new[] { longDead, recentlyDead, oldButActive })
        {
            Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        }

        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddDays(-1));

        var left = (await table.ReadAllAsync()).Members.Select(m => m.Item1.SiloAddress).ToHashSet();
        Assert.Equal([recentlyDead.SiloAddress, oldButActive.SiloAddress], left.OrderBy(a => a.Endpoint.Port));

        // Deleting the cluster's entries removes its version row too; a silo starting afterwards begins afresh.
        await table.DeleteMembershipTableEntriesAsync(ClusterIdOf(table));
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true, CancellationToken.None);
        var fresh = await table.ReadAllAsync();
        Assert.Empty(fresh.Members);
        Assert.Equal(0, fresh.Version.Version);
    }

    private readonly Dictionary<IMembershipTable, string> _clusterIds = [];

    private string ClusterIdOf(IMembershipTable table) => _clusterIds[table];

    /// <summary>The provider's table for a cluster id of its own, initialised the way a silo does on start.</summary>
    private async Task<IMembershipTable> NewTableAsync()
    {
        var clusterId = $"contract-{Guid.NewGuid():N}";
        var host = ProviderHost.Build(_connectionString, RecoverySettings.AdoNet, clusterId);
        _hosts.Add(host);
        var table = host.Services.GetRequiredService<IMembershipTable>();
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true, CancellationToken.None);
        _clusterIds[table] = clusterId;
        return table;
    }

    private static MembershipEntry Entry(int port, DateTime? at = null)
    {
        var time = at ?? DateTime.UtcNow;
        return new MembershipEntry
        {
            SiloAddress = SiloAddress.New(IPAddress.Loopback, port, 7),
            SiloName = $"silo-{port}",
            HostName = "contract-host",
            Status = SiloStatus.Joining,
            ProxyPort = port + 1,
            StartTime = time,
            IAmAliveTime = time,
        };
    }
}
