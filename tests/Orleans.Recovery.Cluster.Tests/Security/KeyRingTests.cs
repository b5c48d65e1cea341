using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Hosting.Security;
using Orleans.Recovery.Testing;
using Orleans.Recovery.Api.Console;

namespace Orleans.Recovery.Cluster.Tests.Security;

/// <summary>
/// The console's cookie keys on PostgreSQL, with API processes starting together on an empty key table (issue 26,
/// item 8): exactly one first key, which every process uses, so a session opened on one is good on the others.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Database")]
public sealed class KeyRingTests(PostgresFixture postgres)
{
    private Task<string> DatabaseAsync() => postgres.DatabaseWithSchemaAsync("keys");

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task AProcessFindingTheTableEmptyWhileAnotherMakesTheFirstKeyWaitsForItAndUsesIt()
    {
        var connectionString = await DatabaseAsync();
        using var first = new DatabaseKeyRing(LedgerDatabase.On(connectionString, postgreSql: true), TimeProvider.System);
        using var second = new DatabaseKeyRing(LedgerDatabase.On(connectionString, postgreSql: true), TimeProvider.System);

        // The first process finds no key: it will make one.
        Assert.Empty(first.GetAllElements());

        // The second finds none either, and waits on the first's lock rather than making its own.
        var secondRead = Task.Run(second.GetAllElements);
        await Eventually.TrueAsync(async () => secondRead.IsCompleted || await ScalarAsync(connectionString,
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") == 1, what: "the second process waiting for the first key");
        Assert.False(secondRead.IsCompleted, "the second process read the empty table instead of waiting for the first key");

        var key = new XElement("key", new XAttribute("id", Guid.NewGuid()));
        first.StoreElement(key, "key-" + Guid.NewGuid());

        var seen = Assert.Single(await secondRead);
        Assert.Equal(key.ToString(), seen.ToString());
    }

    [Fact]
    public async Task TwoProcessesStartingTogetherMakeOneKeyAndReadEachOthersCookies()
    {
        var connectionString = await DatabaseAsync();
        IDataProtector Process() => new ServiceCollection()
            .AddLogging()
            .AddDataProtection().SetApplicationName("orleans-recovery").Services
            .Configure<KeyManagementOptions>(options => options.XmlRepository = new DatabaseKeyRing(LedgerDatabase.On(connectionString, postgreSql: true), TimeProvider.System))
            .BuildServiceProvider()
            .GetDataProtector("console-session");
        var (one, other) = (Process(), Process());

        var cookies = await Task.WhenAll(Task.Run(() => one.Protect("operator")), Task.Run(() => other.Protect("operator")));

        Assert.Equal(1, await ScalarAsync(connectionString, "SELECT count(*) FROM recovery_console_keys"));
        Assert.Equal("operator", other.Unprotect(cookies[0]));
        Assert.Equal("operator", one.Unprotect(cookies[1]));
    }
}
