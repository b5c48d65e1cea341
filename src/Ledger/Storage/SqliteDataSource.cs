using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// Connections to the SQLite file with the settings every one of them needs, for the grain storage, the reminder table
/// and the ledger alike. SQLite keeps them per connection, so they are set each time one is opened (from the pool too,
/// where they cost a call into the library, not a round trip).
/// </summary>
/// <remarks>
/// <para><c>busy_timeout</c>: a write that finds the file locked is retried by SQLite itself as soon as the lock goes,
/// within 5 s. Without it Microsoft.Data.Sqlite retries after sleeping 150 ms each time. The process's writes take turns
/// (<see cref="SqliteWriteGate"/>), so this is for what the gate cannot order: a checkpoint, or a second process.</para>
/// <para><c>synchronous=NORMAL</c>, only when asked for: in WAL mode a commit is then not flushed to the disk on its own, so a
/// power cut (not a crash of the process) can lose the last commits, though never corrupt the file. The default stays
/// FULL, where nothing acknowledged is lost.</para>
/// </remarks>
public sealed class SqliteDataSource(string connectionString, bool synchronousNormal = false) : DbDataSource
{
    /// <summary>How long a write waits for SQLite's lock before it fails with SQLITE_BUSY.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(5);

    private readonly string _pragmas = $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};" + (synchronousNormal ? " PRAGMA synchronous = NORMAL;" : "");

    public override string ConnectionString { get; } = connectionString;

    protected override DbConnection CreateDbConnection() => new Connection(ConnectionString, _pragmas);

    /// <summary>A connection that applies the data source's settings whenever it is opened, by whoever opens it.</summary>
    private sealed class Connection(string connectionString, string pragmas) : SqliteConnection(connectionString)
    {
        public override void Open()
        {
            base.Open();
            using var command = CreateCommand();
            command.CommandText = pragmas;
            command.ExecuteNonQuery();
        }
    }
}
