using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Cluster.Tests;

/// <summary>One PostgreSQL server for every test here; each test class makes its own database on it.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A new database with the product's schema applied, as a silo's start applies it.</summary>
    public async Task<string> DatabaseWithSchemaAsync(string prefix)
    {
        var connectionString = await Server.CreateDatabaseAsync(prefix);
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var (_, sql) in Ledger.SchemaScripts.Of("postgresql"))
        {
            await using var command = new Npgsql.NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }

        return connectionString;
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
