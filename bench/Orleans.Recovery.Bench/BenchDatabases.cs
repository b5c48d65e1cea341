using Npgsql;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Bench;

/// <summary>The bench's databases, on whichever PostgreSQL server a measurement runs.</summary>
public static class BenchDatabases
{
    /// <summary>
    /// A fresh database with Npgsql's own default pool, not the test helper's small one: the product and the floor get
    /// what a shop's would.
    /// </summary>
    public static async Task<string> CreateAsync(PostgresServer server, string prefix) =>
        new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync(prefix)) { MaxPoolSize = 100, Timeout = 30 }.ConnectionString;
}
