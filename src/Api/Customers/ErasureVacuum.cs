using Microsoft.Extensions.Options;
using System.Data.Common;
using System.Threading.Channels;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Hosting.Storage;
using Orleans.Reminders;

namespace Orleans.Recovery.Api.Customers;

/// <summary>
/// After an erase on PostgreSQL, rewrites the tables it touched without their dead rows (<see cref="DatabaseVacuum"/>),
/// in the background: <c>Recovery:Privacy:VacuumDelay</c> after the erase, so several erases share one rewrite. It is
/// durable: <c>recovery_maintenance</c> counts the erase requests and how many of them the last rewrite covered, so
/// one answered before a restart is vacuumed after it, and one API process of a cluster does it at a time. SQLite is
/// compacted within the erase's request instead.
/// </summary>
public sealed partial class ErasureVacuum(
    LedgerDatabase database,
    DatabaseVacuum vacuum,
    IOptionsMonitor<PrivacyOptions> privacy,
    [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock,
    ILogger<ErasureVacuum> logger) : BackgroundService
{
    /// <summary>What an erase writes: grain state (carts, orders, the customer), the leads and the ledger's keyed rows.</summary>
    public static readonly IReadOnlyList<string> Tables =
        ["OrleansStorage", "recovery_leads", "recovery_messages", "recovery_orders", "recovery_entries", "recovery_customers"];

    private const string Task = "erase-vacuum";
    private const long AdvisoryLockKey = 0x4F52_4543_5641_4355; // "ORECVACU"
    private static readonly TimeSpan Retry = TimeSpan.FromMinutes(1);

    private readonly Channel<bool> _erased = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Asks for a rewrite after an erase; returns when it starts, or null where none is needed (SQLite).</summary>
    public DateTimeOffset? Schedule()
    {
        if (!database.IsPostgreSql)
        {
            return null;
        }

        _erased.Writer.TryWrite(true);
        return clock.GetUtcNow() + privacy.CurrentValue.VacuumDelay;
    }

    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!database.IsPostgreSql)
        {
            return;
        }

        var due = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!due)
                {
                    await _erased.Reader.ReadAsync(stoppingToken);
                }

                await System.Threading.Tasks.Task.Delay(privacy.CurrentValue.VacuumDelay, clock, stoppingToken);
                while (_erased.Reader.TryRead(out _))
                {
                }

                due = !await VacuumIfDueAsync(stoppingToken);
                if (due)
                {
                    await System.Threading.Tasks.Task.Delay(Retry, clock, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (DbException exception)
            {
                // The database is away: the erasures stay due, and are vacuumed once it is back.
                LogUnavailable(exception);
                due = true;
                await System.Threading.Tasks.Task.Delay(Retry, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Rewrites the tables when an erasure is newer than the last rewrite; true when nothing is left due.</summary>
    private async Task<bool> VacuumIfDueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        object? locked;
        try
        {
            locked = await ScalarAsync(connection, "SELECT pg_try_advisory_lock(@key)", cancellationToken);
        }
        catch
        {
            // Granted as the call failed, perhaps: the pool no longer resets connections (No Reset On Close), so let it go here.
            await using var unlock = LedgerDatabase.Command(connection, null, "SELECT pg_advisory_unlock(@key)").With("key", AdvisoryLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            throw;
        }

        if (locked is not true)
        {
            // Another API process is at it, and may have read the count before this erase: looked at again in a minute.
            return false;
        }

        try
        {
            var requested = await ScalarAsync(connection, $"SELECT done_at FROM recovery_maintenance WHERE task = '{LedgerErasure.ErasureRequests}'", cancellationToken) is long count ? count : (long?)null;
            var covered = await ScalarAsync(connection, $"SELECT done_at FROM recovery_maintenance WHERE task = '{Task}'", cancellationToken) is long done ? done : (long?)null;
            if (requested is null || requested <= covered)
            {
                return true;
            }

            if (!await vacuum.RemoveDeadRowsAsync(Tables, cancellationToken))
            {
                return false;
            }

            await using var record = LedgerDatabase.Command(connection, null, """
                INSERT INTO recovery_maintenance (task, done_at) VALUES (@task, @done)
                ON CONFLICT (task) DO UPDATE SET done_at = GREATEST(recovery_maintenance.done_at, excluded.done_at)
                """).With("task", Task).With("done", requested);
            await record.ExecuteNonQueryAsync(cancellationToken);
            LogDone(requested.Value);
            return true;
        }
        finally
        {
            await using var unlock = LedgerDatabase.Command(connection, null, "SELECT pg_advisory_unlock(@key)").With("key", AdvisoryLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static async Task<object?> ScalarAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = LedgerDatabase.Command(connection, null, sql);
        if (sql.Contains("@key", StringComparison.Ordinal))
        {
            command.With("key", AdvisoryLockKey);
        }

        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Erased data is out of the table files: every erase up to the ledger's erase count {Requests} is vacuumed")]
    private partial void LogDone(long requests);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The vacuum after an erase waits for the database")]
    private partial void LogUnavailable(Exception exception);
}
