using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Recovery.Cluster.Tests.Contract;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Testing;
using Orleans.Runtime;
using Orleans.Storage;

namespace Orleans.Recovery.Cluster.Tests.Security;

/// <summary>
/// The move to keyed customer keys on PostgreSQL (issue 26, item 1), as a rolling upgrade meets it: a silo of this
/// version has started once, then a process of the version before writes under the old unkeyed keys (a customer grain,
/// the ledger's rows, a lead), and the next start of a silo of this version moves all of it.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Database")]
public sealed class RekeyingOnPostgresTests(PostgresFixture postgres)
{
    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task WhatAnOldProcessWroteUnderUnkeyedKeysIsMovedAtTheNextStartAndAnErasedCustomersCountsLeadNowhere()
    {
        var database = await postgres.Server.CreateDatabaseAsync("rekeying");
        var (ana, bea) = (Bodies.NewEmail(), Bodies.NewEmail());
        var (anaOld, beaOld) = (TestCustomerKeys.Unkeyed(ana), TestCustomerKeys.Unkeyed(bea));

        // A silo of this version has run: the schema is there, the one-time pass done.
        using (var first = await ProviderHost.StartAsync(database))
        {
            // Meanwhile a process of the version before keeps writing: Ana unsubscribed, with a lead; Bea erased.
            var storage = first.Services.GetRequiredKeyedService<IGrainStorage>(RecoveryStorage.Name);
            var state = new GrainState<CustomerState>(new CustomerState { UnsubscribedAt = DateTimeOffset.UnixEpoch.AddDays(20_000) });
            await storage.WriteStateAsync("customer", GrainId.Create("customer", anaOld), state);
            await ExecuteAsync(database, $"""
                INSERT INTO recovery_messages (message_id, owner_kind, owner_id, customer_key, shop_customer_id, flow, step, marketing, sent_at)
                VALUES ('cart-a/cart-abandonment/1', 'cart', 'cart-a', '{anaOld}', 'shop-a', 'cart-abandonment', 1, 1, 1),
                       ('cart-b/cart-abandonment/1', 'cart', 'cart-b', '{beaOld}', NULL, 'cart-abandonment', 1, 1, 1),
                       ('cart-b/cart-abandonment/2', 'cart', 'cart-b', '{beaOld}', NULL, 'cart-abandonment', 2, 1, NULL);
                INSERT INTO recovery_customers (customer_key, unsubscribed_at, erased_at) VALUES ('{anaOld}', 11, NULL), ('{beaOld}', NULL, 22);
                INSERT INTO recovery_leads (type, id, customer_key, email, first_name, items, total, currency, created_at, last_activity_at, steps_sent, outcome, revision)
                VALUES ('cart', 'cart-a', '{anaOld}', '{ana}', 'Ana', '[]', 100, 'EUR', 1, 1, 1, 'unsubscribed', 1);
                """);
            await first.StopAsync();
        }

        using var next = await ProviderHost.StartAsync(database);

        foreach (var table in new[] { "recovery_messages", "recovery_orders", "recovery_entries", "recovery_leads", "recovery_customers" })
        {
            Assert.Equal(0, await CountAsync(database, $"SELECT COUNT(*) FROM {table} WHERE customer_key LIKE 'c%'"));
        }

        Assert.Equal(0, await CountAsync(database, $"SELECT COUNT(*) FROM OrleansStorage WHERE GrainIdExtensionString IN ('{anaOld}', '{beaOld}')"));
        var moved = new GrainState<CustomerState>();
        await next.Services.GetRequiredKeyedService<IGrainStorage>(RecoveryStorage.Name).ReadStateAsync("customer", GrainId.Create("customer", TestCustomerKeys.Of(ana)), moved);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddDays(20_000), moved.State?.UnsubscribedAt);

        // Ana's rows are hers under her keyed key; Bea's counts under a random one, her erasure under her keyed key.
        Assert.Equal(1, await CountAsync(database, $"SELECT COUNT(*) FROM recovery_messages WHERE customer_key = '{TestCustomerKeys.Of(ana)}' AND shop_customer_id = 'shop-a'"));
        Assert.Equal(1, await CountAsync(database, $"SELECT COUNT(*) FROM recovery_leads WHERE customer_key = '{TestCustomerKeys.Of(ana)}'"));
        Assert.Equal(11, await CountAsync(database, $"SELECT unsubscribed_at FROM recovery_customers WHERE customer_key = '{TestCustomerKeys.Of(ana)}'"));
        Assert.Equal(0, await CountAsync(database, $"SELECT COUNT(*) FROM recovery_messages WHERE customer_key = '{TestCustomerKeys.Of(bea)}'"));
        Assert.Equal(2, await CountAsync(database, "SELECT COUNT(DISTINCT message_id) FROM recovery_messages WHERE customer_key LIKE 'x%'"));
        Assert.Equal(1, await CountAsync(database, "SELECT COUNT(DISTINCT customer_key) FROM recovery_messages WHERE customer_key LIKE 'x%'"));
        Assert.Equal(22, await CountAsync(database, $"SELECT erased_at FROM recovery_customers WHERE customer_key = '{TestCustomerKeys.Of(bea)}'"));
        await next.StopAsync();
    }
}
