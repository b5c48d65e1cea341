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
/// <para><c>synchronous</c>: <see cref="SqliteSynchronous"/>. The default stays FULL, where nothing acknowledged is lost.</para>
/// </remarks>
public sealed class SqliteDataSource(string connectionString, SqliteSynchronous synchronous = SqliteSynchronous.Full) : DbDataSource
{
    /// <summary>How long a write waits for SQLite's lock before it fails with SQLITE_BUSY.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(5);

    private readonly string _pragmas = $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};" + synchronous switch
    {
        SqliteSynchronous.Normal => " PRAGMA synchronous = NORMAL;",
        SqliteSynchronous.Off => " PRAGMA synchronous = OFF;",
        _ => "",
    };

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

/// <summary>How SQLite flushes a commit to the disk (its <c>synchronous</c> setting, in WAL mode).</summary>
public enum SqliteSynchronous
{
    /// <summary>Every commit is flushed before it returns: nothing acknowledged is lost, whatever happens to the machine.</summary>
    Full,

    /// <summary>Commits are flushed at checkpoints: a power cut (not a crash of the process) can lose the last ones, never corrupt the file.</summary>
    Normal,

    /// <summary>Nothing is flushed: for a file that goes with the process (<see cref="LedgerDatabase.Temporary"/>), which no machine crash can matter to.</summary>
    Off,
}
