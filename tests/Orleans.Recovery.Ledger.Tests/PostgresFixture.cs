using Npgsql;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Ledger.Tests;

/// <summary>One PostgreSQL server for the ledger's tests; each test makes a database of its own there.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A ledger on a new database with the product's schema applied, as a silo's start applies it.</summary>
    public async Task<LedgerDatabase> NewLedgerAsync()
    {
        var connectionString = await Server.CreateDatabaseAsync("ledger");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var (_, sql) in SchemaScripts.Of("postgresql"))
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }

        return LedgerDatabase.On(connectionString, postgreSql: true);
    }
}

/// <summary>The ledger's tests, one class at a time, sharing the PostgreSQL server.</summary>
[CollectionDefinition(Name)]
public sealed class LedgerCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "ledger";
}
