using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Recovery.Cluster.Tests.Contract;
using Orleans.Recovery.Retention;
using Orleans.Recovery.Hosting;
using Orleans.Recovery.Hosting.Storage;
using Orleans.Recovery.Testing;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.Recovery.Cluster.Tests.Storage;

/// <summary>The retention sweep's SQL on both databases: which rows it offers, and which it deletes.</summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Database")]
public sealed class StoredGrainsTests(PostgresFixture postgres)
{
    [Fact]
    public async Task OnSqliteCartsAndOrdersUnchangedSinceTheCutoffAreOfferedAndTheRetiredMailRowsDeleted()
    {
        // Written by the version before the follow-up engine on 2026-11-25 around 12:33 UTC: 2 carts, 3 orders,
        // 5 customers and the 4 delivered marks of the mail grain that no longer exists.
        var file = Path.Combine(Path.GetTempPath(), $"recovery-retention-{Guid.NewGuid():N}.db");
        File.Copy(Path.Combine(Repository.Root, "tests", "Orleans.Recovery.Grains.Tests", "Fixtures", "legacy-2026-11-25.db"), file);
        try
        {
            var settings = RecoverySettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Recovery"] = $"Data Source={file}",
            }).Build());
            await using var database = new RecoveryDataSource(settings);
            var stored = new StoredGrains(settings, database);
            var after = new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);
            var before = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

            var offered = await stored.UnchangedSinceAsync(after, CancellationToken.None).ToListAsync();
            Assert.Equal(
                ["cart/legacy-cart-new", "cart/legacy-cart-sent", "order/legacy-order-delivered", "order/legacy-order-failed-new", "order/legacy-order-paying"],
                offered.Select(grain => $"{grain.Type}/{grain.Key}").Order());
            Assert.Empty(await stored.UnchangedSinceAsync(before, CancellationToken.None).ToListAsync());

            Assert.Equal(0, await stored.DeleteRetiredAsync(before, CancellationToken.None));
            Assert.Equal(4, await stored.DeleteRetiredAsync(after, CancellationToken.None));
            Assert.Equal(0, await stored.DeleteRetiredAsync(after, CancellationToken.None));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(file);
        }
    }

    [Fact]
    public async Task OnPostgreSqlOnlyRetainedGrainsWithStateAreOfferedAndOnlyRetiredRowsDeleted()
    {
        using var host = await ProviderHost.StartAsync(await postgres.Server.CreateDatabaseAsync("retention"));
        try
        {
            var storage = host.Services.GetRequiredKeyedService<IGrainStorage>(RecoveryStorage.Name);
            var stored = host.Services.GetRequiredService<IStoredGrains>();
            var key = $"retention-{Guid.NewGuid():N}";
            foreach (var type in new[] { "cart", "order", "customer", "mail" })
            {
                await storage.WriteStateAsync(type, GrainId.Create(type, key), new GrainState<ContractState>(new ContractState { Attempts = 1 }));
            }

            var cleared = new GrainState<ContractState>(new ContractState());
            await storage.WriteStateAsync("coupon", GrainId.Create("coupon", key), cleared);
            await storage.ClearStateAsync("coupon", GrainId.Create("coupon", key), cleared);

            var soon = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1);
            var offered = await stored.UnchangedSinceAsync(soon, CancellationToken.None).Where(grain => grain.Key == key).ToListAsync();
            Assert.Equal(["cart", "order"], offered.Select(grain => grain.Type).Order());
            Assert.Empty(await stored.UnchangedSinceAsync(DateTimeOffset.UtcNow - TimeSpan.FromHours(1), CancellationToken.None).ToListAsync());

            Assert.Equal(1, await stored.DeleteRetiredAsync(soon, CancellationToken.None));
            var mail = new GrainState<ContractState>(new ContractState());
            await storage.ReadStateAsync("mail", GrainId.Create("mail", key), mail);
            Assert.False(mail.RecordExists);
            var cart = new GrainState<ContractState>(new ContractState());
            await storage.ReadStateAsync("cart", GrainId.Create("cart", key), cart);
            Assert.True(cart.RecordExists);

            // Keys the provider parses into numbers come back as keys of the same grain.
            var guid = Guid.NewGuid().ToString("N");
            await storage.WriteStateAsync("order", GrainId.Create("order", guid), new GrainState<ContractState>(new ContractState()));
            await storage.WriteStateAsync("order", GrainId.Create("order", "1001"), new GrainState<ContractState>(new ContractState()));
            var numbered = await stored.UnchangedSinceAsync(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1), CancellationToken.None).Select(grain => grain.Key).ToListAsync();
            Assert.Contains(guid, numbered);
            Assert.Contains("1001", numbered);
        }
        finally
        {
            await host.StopAsync();
            Npgsql.NpgsqlConnection.ClearAllPools();
        }
    }
}
