using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// Removes the bytes of deleted and overwritten rows from the database's files, after an erase or a re-keying. A
/// database only marks such rows dead: SQLite leaves them in free pages and its log, and PostgreSQL's plain
/// <c>VACUUM</c> frees their space in each page without overwriting it. So SQLite is rebuilt and its log truncated, and
/// on PostgreSQL each table is rewritten into new files (<c>VACUUM FULL</c>), its old files deleted at the next checkpoint.
/// </summary>
/// <remarks>
/// A rewrite locks its table for as long as it takes: the grain storage table is written on every event, so calls wait
/// meanwhile (on a small shop's database, well under a second). A rewrite waits at most 10 seconds for its lock
/// rather than queue every other writer behind it, and is tried again later when it could not have it.
/// What no vacuum reaches: PostgreSQL's write-ahead log and its archive, replicas, and backups (see the README).
/// </remarks>
public sealed partial class DatabaseVacuum(LedgerDatabase database, ILogger<DatabaseVacuum> logger)
{
    /// <summary>
    /// Rewrites <paramref name="tables"/> (PostgreSQL) or the whole file (SQLite). True when done; false when a lock or
    /// a reader held it off, to be tried again.
    /// </summary>
    public async Task<bool> RemoveDeadRowsAsync(IReadOnlyList<string> tables, CancellationToken cancellationToken)
    {
        if (!database.IsPostgreSql)
        {
            return await CompactSqliteAsync();
        }

        var started = Stopwatch.GetTimestamp();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using (var wait = LedgerDatabase.Command(connection, null, "SET lock_timeout = '10s'"))
        {
            await wait.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            foreach (var table in tables)
            {
                try
                {
                    // VACUUM takes no parameters and runs outside a transaction; the names are our own constants.
                    await using var command = LedgerDatabase.Command(connection, null, $"VACUUM (FULL, ANALYZE) {table}");
                    command.CommandTimeout = 0;
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
                catch (Npgsql.PostgresException exception) when (exception.SqlState == Npgsql.PostgresErrorCodes.LockNotAvailable)
                {
                    LogLockBusy(table);
                    return false;
                }
            }
        }
        finally
        {
            // The pool no longer resets a connection it takes back (No Reset On Close): the session's setting goes here.
            await using var reset = LedgerDatabase.Command(connection, null, "RESET lock_timeout");
            await reset.ExecuteNonQueryAsync(CancellationToken.None);
        }

        LogVacuumed(tables.Count, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return true;
    }

    /// <summary>
    /// On SQLite, leaves no copy of erased data in the file or its write-ahead log: the database is rebuilt (VACUUM,
    /// with secure_delete) and the log checkpointed and truncated. It takes its turn with every other write, which wait
    /// meanwhile, and its time grows with the database (an erase is rare). A reader holding an old snapshot keeps the
    /// log from being truncated: it is tried again for a while, and false returned if it still could not be.
    /// </summary>
    public async Task<bool> CompactSqliteAsync() => await database.WriteAsync(async () =>
    {
        await using var connection = (SqliteConnection)await database.OpenAsync();
        foreach (var sql in new[] { "PRAGMA secure_delete = ON", "VACUUM" })
        {
            await using var command = LedgerDatabase.Command(connection, null, sql);
            await command.ExecuteNonQueryAsync();
        }

        for (var attempt = 0; attempt < 40; attempt++)
        {
            // One row back: busy (1 when a reader kept the log from being truncated), log frames, frames checkpointed.
            await using var checkpoint = LedgerDatabase.Command(connection, null, "PRAGMA wal_checkpoint(TRUNCATE)");
            await using var reader = await checkpoint.ExecuteReaderAsync();
            if (await reader.ReadAsync() && reader.GetInt64(0) == 0)
            {
                return true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        return false;
    });

    [LoggerMessage(Level = LogLevel.Information, Message = "Rewrote {Tables} tables without their dead rows in {Milliseconds} ms")]
    private partial void LogVacuumed(int tables, long milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not lock {Table} within 10 s to rewrite it without its dead rows; trying again later")]
    private partial void LogLockBusy(string table);
}
