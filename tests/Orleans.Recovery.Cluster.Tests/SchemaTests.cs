using Npgsql;
using Orleans.Recovery.Cluster.Tests.Contract;
using Orleans.Recovery.Hosting;

namespace Orleans.Recovery.Cluster.Tests;

/// <summary>deploy/sql/postgresql, applied the way silos and API processes apply it on start.</summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Database")]
public sealed class SchemaTests(PostgresFixture postgres)
{
    /// <summary>Every key the three providers ask for (Orleans 10.4), plus the per-row cleanup newer providers use.</summary>
    private static readonly string[] RequiredKeys =
    [
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey",
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
        "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey",
        "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "UpsertReminderRowKey",
        "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    [Fact]
    public async Task ProcessesStartingTogetherOnAnEmptyDatabaseAllApplyTheSchema()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync("schema");
        var hosts = Enumerable.Range(0, 4).Select(_ => ProviderHost.Build(connectionString, RecoverySettings.AdoNet)).ToList();

        await Task.WhenAll(hosts.Select(host => Task.Run(host.ApplySchemaAsync)));

        Assert.Equal(RequiredKeys.Order(), (await QueryKeysAsync(connectionString)).Order());
        hosts.ForEach(host => host.Dispose());
    }

    [Fact]
    public async Task ASiloStartsAgainstADatabaseThatAlreadyHasTheSchemaAndKeepsItsData()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync("schema");
        using (var first = await ProviderHost.StartAsync(connectionString))
        {
            await ExecuteAsync(connectionString, "UPDATE OrleansQuery SET QueryText = QueryText || ' ' WHERE QueryKey = 'ReadFromStorageKey'");
            await ExecuteAsync(connectionString, "INSERT INTO OrleansRemindersTable VALUES ('kept', 'cart/1', 'follow-up', now(), 60000, 1, 0)");
            await first.StopAsync();
        }

        using var second = await ProviderHost.StartAsync(connectionString);

        Assert.Equal(RequiredKeys.Order(), (await QueryKeysAsync(connectionString)).Order());
        Assert.Equal(1L, await ScalarAsync(connectionString, "SELECT count(*) FROM OrleansRemindersTable WHERE ServiceId = 'kept'"));
        Assert.Equal(0L, await ScalarAsync(connectionString, "SELECT count(*) FROM OrleansQuery WHERE QueryText LIKE '% '"));
        await second.StopAsync();
    }

    [Fact]
    public async Task ADbaCanApplyTheScriptsByHandInNameOrder()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync("schema");
        foreach (var (_, sql) in Ledger.SchemaScripts.Of("postgresql"))
        {
            await ExecuteAsync(connectionString, sql);
        }

        Assert.Equal(RequiredKeys.Order(), (await QueryKeysAsync(connectionString)).Order());

        // Every file a DBA would run is the product's own, and the ledger's tables are among what they make.
        Assert.Equal(
            Directory.GetFiles(Path.Combine(Orleans.Recovery.Testing.Repository.Root, "deploy", "sql", "postgresql"), "*.sql").Select(Path.GetFileName).Order(StringComparer.Ordinal),
            Ledger.SchemaScripts.Of("postgresql").Select(script => Path.GetFileName(script.Name)).Order(StringComparer.Ordinal));
        Assert.Equal(0L, await ScalarAsync(connectionString, "SELECT count(*) FROM recovery_daily"));
    }

    private static async Task<List<string>> QueryKeysAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT QueryKey FROM OrleansQuery", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<string>();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
