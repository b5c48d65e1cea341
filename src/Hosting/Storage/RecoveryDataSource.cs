using System.Data.Common;
using Npgsql;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Hosting.Storage;

/// <summary>
/// The process's one data source for its database: the grain storage, the reminder table, the membership table, the
/// ledger and the health check all open their connections here, from one pool with one set of settings.
/// </summary>
public sealed class RecoveryDataSource(RecoverySettings settings) : IAsyncDisposable
{
    public DbDataSource Source { get; } = settings.UsesPostgreSql
        ? NpgsqlDataSource.Create(Tuned(settings.ConnectionString))
        : new SqliteDataSource(settings.ConnectionString, settings.SqliteSynchronousNormal);

    /// <summary>
    /// The connection string with the Npgsql settings the bench chose (BENCHMARKS.md, issue 28), each only where the shop's
    /// connection string does not set it, so a setting a proxy needs (PgBouncer's, say) always wins.
    /// </summary>
    /// <remarks>
    /// <c>No Reset On Close</c>: a connection going back to the pool no longer sends <c>DISCARD ALL</c>, which was one
    /// round trip in two on the engine's paths. Nothing the engine does outlives its use of a connection: its settings
    /// are <c>SET LOCAL</c> or reset, its locks are transaction locks or released in a finally.
    /// </remarks>
    public static string Tuned(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var set = given.Keys.Cast<string>().Select(key => key.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant()).ToHashSet();
        var tuned = new NpgsqlConnectionStringBuilder(connectionString);
        if (!set.Contains("NORESETONCLOSE"))
        {
            tuned.NoResetOnClose = true;
        }

        return tuned.ConnectionString;
    }

    public ValueTask DisposeAsync() => Source.DisposeAsync();
}
