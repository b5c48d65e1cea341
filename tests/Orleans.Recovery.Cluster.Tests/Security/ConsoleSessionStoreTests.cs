using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Orleans.Recovery.Api.Console.Sessions;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Cluster.Tests.Security;

/// <summary>
/// Console sessions on PostgreSQL as two API processes see them (issue 26, item 5): a session opened on one is open on
/// the other, and signing out or out everywhere on one ends it on both, at once.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Database")]
public sealed class ConsoleSessionStoreTests(PostgresFixture postgres)
{
    private Task<string> DatabaseAsync() => postgres.DatabaseWithSchemaAsync("sessions");

    [Fact]
    public async Task ASessionEndedOnOneApiProcessIsEndedOnTheOtherAndSoIsEveryOneSignedOutEverywhere()
    {
        var connectionString = await DatabaseAsync();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
        await using var firstDatabase = LedgerDatabase.On(connectionString, postgreSql: true);
        await using var secondDatabase = LedgerDatabase.On(connectionString, postgreSql: true);
        var (first, second) = (new ConsoleSessions(firstDatabase, clock), new ConsoleSessions(secondDatabase, clock));

        var (laptop, expires) = await first.OpenAsync("laptop · 192.0.2.7", CancellationToken.None);
        var (phone, _) = await second.OpenAsync("phone · 2001:db8:1:2::/64", CancellationToken.None);
        Assert.Equal(clock.GetUtcNow().AddHours(8), expires);
        Assert.True(await second.IsOpenAsync(laptop, CancellationToken.None));
        Assert.Equal(["laptop · 192.0.2.7", "phone · 2001:db8:1:2::/64"], (await first.OpenSessionsAsync(CancellationToken.None)).Select(s => s.Device).Order());

        await first.EndAsync(laptop, CancellationToken.None);
        Assert.False(await second.IsOpenAsync(laptop, CancellationToken.None));
        Assert.True(await first.IsOpenAsync(phone, CancellationToken.None));

        var (tablet, _) = await first.OpenAsync("tablet · 192.0.2.8", CancellationToken.None);
        Assert.Equal(2, await second.EndAllAsync(CancellationToken.None));
        Assert.False(await first.IsOpenAsync(phone, CancellationToken.None));
        Assert.False(await first.IsOpenAsync(tablet, CancellationToken.None));
        Assert.Empty(await first.OpenSessionsAsync(CancellationToken.None));

        // The table names sessions by a hash only: what it holds does not open one.
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var stored = new NpgsqlCommand("SELECT count(*) FROM recovery_console_sessions WHERE session_hash IN (@a, @b, @c)", connection);
        stored.Parameters.AddWithValue("a", laptop);
        stored.Parameters.AddWithValue("b", phone);
        stored.Parameters.AddWithValue("c", tablet);
        Assert.Equal(0L, await stored.ExecuteScalarAsync());
    }
}
