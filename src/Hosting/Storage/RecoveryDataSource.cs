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
        : new SqliteDataSource(settings.ConnectionString, settings.SqliteSynchronous);

    /// <summary>
    /// The connection string with the Npgsql settings the bench chose (BENCHMARKS.md, issue 28), each only where the shop's
    /// connection string does not set it, so a setting a proxy needs (PgBouncer's, say) always wins.
    /// </summary>
    /// <remarks>
    /// <para><c>No Reset On Close</c>: a connection going back to the pool no longer sends <c>DISCARD ALL</c>, which was
    /// one round trip in two on the engine's paths (ingest 6.03 statements per new cart with it, 3.03 without, and 15 %
    /// more carts a second). Nothing the engine does outlives its use of a connection: its settings are <c>SET LOCAL</c>
    /// or reset, its locks are transaction locks or released in a finally.</para>
    /// <para><c>Max Auto Prepare=20</c>: the providers' statements are prepared on each connection after a few uses, and
    /// stay prepared now that the pool no longer discards them: 27 % more carts a second. Behind PgBouncer in
    /// transaction mode before 1.21, or without its <c>max_prepared_statements</c>, set <c>Max Auto Prepare=0</c>.</para>
    /// <para>Measured and not taken: a pool of 8 instead of 100 (19 % fewer carts a second); <c>Multiplexing</c> (21 % more
    /// alone, but experimental in Npgsql 10 and gone in 11, and it may send a connection's statements outside a
    /// transaction on different sessions, which the re-keying's session lock cannot allow).</para>
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

        if (!set.Contains("MAXAUTOPREPARE"))
        {
            tuned.MaxAutoPrepare = 20;
        }

        return tuned.ConnectionString;
    }

    public ValueTask DisposeAsync() => Source.DisposeAsync();
}
