using System.Data.Common;
using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Recovery.Coupons;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Ledger;
using Orleans.Storage;

namespace Orleans.Recovery.Hosting.Storage;

/// <summary>What one start's re-keying rewrote.</summary>
public sealed record RekeyingResult(int Customers, int Coupons, int Owners, int LedgerKeys, int ErasedKeys);

/// <summary>
/// Moves what versions before keyed customer keys stored under the unkeyed ones (<see cref="CustomerKeys.Legacy"/>) to
/// today's keys, once: customer grains with their reminders, coupons, and the ledger's rows. It runs at every silo's
/// start, before the silo serves, and finds nothing to do after the first. The new key is an HMAC of the old one, so no
/// address is needed.
/// </summary>
/// <remarks>
/// An erased customer's messages, orders and entries get a random key of their own instead: nothing links them to the
/// address any more, not even the secret. Their erasure itself moves to the keyed key, so the address stays suppressed.
/// Afterwards the old keys' bytes are removed from the files: SQLite is rebuilt, PostgreSQL's tables rewritten
/// (<see cref="DatabaseVacuum"/>). On PostgreSQL an advisory lock makes silos that start together take turns.
/// </remarks>
public sealed partial class CustomerRekeying(
    RecoverySettings settings,
    CustomerKeys keys,
    LedgerDatabase database,
    DatabaseVacuum vacuum,
    [FromKeyedServices(Orleans.Reminders.ReminderTimeProviderNames.Reminders)] TimeProvider clock,
    IServiceProvider services,
    ILogger<CustomerRekeying> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private const long AdvisoryLockKey = 0x4F52_4543_5245_4B45; // "ORECREKE"

    /// <summary>Its row in <c>recovery_maintenance</c>: once there, every start after reads one row and is done.</summary>
    private const string Task = "customer-rekeying";

    public void Participate(ISiloLifecycle lifecycle) =>
        // After the grain storage has started (ApplicationServices), before the silo joins and takes calls (BecomeActive).
        lifecycle.Subscribe(nameof(CustomerRekeying), ServiceLifecycleStage.ApplicationServices + 1, RunAsync);

    private async Task RunAsync(CancellationToken cancellationToken) => await RekeyAsync(cancellationToken);

    public async Task<RekeyingResult> RekeyAsync(CancellationToken cancellationToken)
    {
        await using var guard = await database.OpenAsync(cancellationToken);
        var guarded = new LedgerSql(guard, null);
        if (database.IsPostgreSql)
        {
            try
            {
                await guarded.ExecuteAsync("SELECT pg_advisory_lock(@key)", command => command.With("key", AdvisoryLockKey), cancellationToken);
            }
            catch
            {
                // The server may have granted it as the call failed (a cancellation racing the reply). The pool no longer
                // resets a connection it takes back (No Reset On Close), so the lock is let go here, not left to it.
                await guarded.ExecuteAsync("SELECT pg_advisory_unlock(@key)", command => command.With("key", AdvisoryLockKey), CancellationToken.None);
                throw;
            }
        }

        try
        {
            var started = Stopwatch.GetTimestamp();
            var empty = new RekeyingResult(0, 0, 0, 0, 0);

            // Customers and the ledger are looked at on every start (two indexed reads when nothing is left): a process
            // of the version before, still running during a rolling upgrade, may have written old keys since.
            var customers = await LegacyGrainsAsync(guard, "customer", cancellationToken);
            var ledgerKeys = await LegacyLedgerKeysAsync(guard, cancellationToken);
            var done = await DoneAsync(guard, cancellationToken);
            if (done && customers.Count == 0 && ledgerKeys.Count == 0)
            {
                return empty;
            }

            if (customers.Count > 0 || ledgerKeys.Count > 0)
            {
                LogStarting(customers.Count, ledgerKeys.Count);
            }

            foreach (var key in customers)
            {
                await MoveCustomerAsync(guard, key, cancellationToken);
            }

            // Coupons, carts and orders are read whole, once: after that, a key they keep is read in today's form.
            var (coupons, owners) = done ? (0, 0) : await RekeyOwnersAsync(guard, cancellationToken);
            var erased = await RekeyLedgerAsync(ledgerKeys, cancellationToken);
            var result = new RekeyingResult(customers.Count, coupons, owners, ledgerKeys.Count, erased);

            // The old keys' bytes go from the files too, not only from the rows. Until that has worked once, every start
            // tries again; so does any start that moved something.
            if (!await vacuum.RemoveDeadRowsAsync(["OrleansStorage", "OrleansRemindersTable", .. KeyedTables], cancellationToken))
            {
                LogVacuumPending();
                return result;
            }

            if (result != empty)
            {
                LogDone(result.Customers, result.Coupons, result.Owners, result.LedgerKeys, result.ErasedKeys, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            await guarded.ExecuteAsync("INSERT INTO recovery_maintenance (task, done_at) VALUES (@task, @at) ON CONFLICT (task) DO NOTHING",
                command => command.With("task", Task).With("at", clock.GetUtcNow().ToUnixTimeMilliseconds()), cancellationToken);
            return result;
        }
        finally
        {
            if (database.IsPostgreSql)
            {
                await guarded.ExecuteAsync("SELECT pg_advisory_unlock(@key)", command => command.With("key", AdvisoryLockKey), CancellationToken.None);
            }
        }
    }

    private IGrainStorage Storage => services.GetRequiredKeyedService<IGrainStorage>(RecoveryStorage.Name);

    /// <summary>A customer grain's state, written under its new key, and its reminders; then its old row goes.</summary>
    private async Task MoveCustomerAsync(DbConnection connection, string legacy, CancellationToken cancellationToken)
    {
        var current = keys.Current(legacy);
        var (from, to) = (GrainId.Create("customer", legacy), GrainId.Create("customer", current));
        var old = new GrainState<CustomerState>();
        await Storage.ReadStateAsync("customer", from, old);
        if (old.RecordExists)
        {
            var moved = new GrainState<CustomerState>();
            await Storage.ReadStateAsync("customer", to, moved);
            if (moved.RecordExists)
            {
                // A process of this version already wrote the customer under the new key: what it wrote is newer.
                LogBothKeys(current);
            }
            else
            {
                moved.State = old.State;
                await Storage.WriteStateAsync("customer", to, moved);
            }
        }

        await database.WriteAsync(async () =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var sql = new LedgerSql(connection, transaction);
            await sql.ExecuteAsync("""
                INSERT INTO OrleansRemindersTable (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
                SELECT ServiceId, @to, ReminderName, StartTime, Period, @hash, Version FROM OrleansRemindersTable WHERE ServiceId = @service AND GrainId = @from
                ON CONFLICT (ServiceId, GrainId, ReminderName) DO NOTHING
                """, command => command.With("to", to.ToString()).With("hash", unchecked((int)to.GetUniformHashCode()))
                    .With("service", settings.ServiceId).With("from", from.ToString()), cancellationToken);
            await sql.ExecuteAsync("DELETE FROM OrleansRemindersTable WHERE ServiceId = @service AND GrainId = @from",
                command => command.With("service", settings.ServiceId).With("from", from.ToString()), cancellationToken);

            // Clearing would keep the row and its key; the old row has no reader left, so it goes whole.
            await sql.ExecuteAsync("DELETE FROM OrleansStorage WHERE ServiceId = @service AND GrainTypeString = 'customer' AND GrainIdExtensionString = @key",
                command => command.With("service", settings.ServiceId).With("key", legacy), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return 0;
        });
    }

    private async Task<(int Coupons, int Owners)> RekeyOwnersAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var coupons = 0;
        foreach (var code in await StoredGrainsAsync(connection, "coupon", cancellationToken))
        {
            coupons += await RekeyCouponAsync(code) ? 1 : 0;
        }

        // Carts and orders name the customer each sent message went to, for its bounces.
        var owners = 0;
        foreach (var cartId in await StoredGrainsAsync(connection, "cart", cancellationToken))
        {
            owners += await RekeyOutboxAsync<Carts.CartState>("cart", cartId, state => state.Outbox) ? 1 : 0;
        }

        foreach (var orderId in await StoredGrainsAsync(connection, "order", cancellationToken))
        {
            owners += await RekeyOutboxAsync<Orders.OrderState>("order", orderId, state => state.Outbox) ? 1 : 0;
        }

        return (coupons, owners);
    }

    private static async Task<bool> DoneAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await new LedgerSql(connection, null).ScalarAsync<long>("SELECT COUNT(*) FROM recovery_maintenance WHERE task = @task", command => command.With("task", Task), cancellationToken) > 0;

    /// <summary>An owner's sent messages name their customer in today's form; true when one had to change.</summary>
    private async Task<bool> RekeyOutboxAsync<TState>(string type, string key, Func<TState, FollowUps.Outbox> outboxOf)
        where TState : class, new()
    {
        var id = GrainId.Create(type, key);
        var state = new GrainState<TState>();
        await Storage.ReadStateAsync(type, id, state);
        if (state.State is not { } stored || outboxOf(stored) is not { } outbox || !outbox.Log.Exists(record => record.CustomerKey is { } k && CustomerKeys.IsLegacy(k)))
        {
            return false;
        }

        outbox.Log = [.. outbox.Log.Select(record => record.CustomerKey is { } k && CustomerKeys.IsLegacy(k) ? record with { CustomerKey = keys.Current(k) } : record)];
        await Storage.WriteStateAsync(type, id, state);
        return true;
    }

    /// <summary>A coupon outlives an erase (an order may still redeem it): the key it keeps is today's.</summary>
    private async Task<bool> RekeyCouponAsync(string code)
    {
        var id = GrainId.Create("coupon", code);
        var state = new GrainState<CouponState>();
        await Storage.ReadStateAsync("coupon", id, state);
        if (state.State?.Issue is not { } issue || !CustomerKeys.IsLegacy(issue.CustomerKey))
        {
            return false;
        }

        state.State.Issue = issue with { CustomerKey = keys.Current(issue.CustomerKey) };
        await Storage.WriteStateAsync("coupon", id, state);
        return true;
    }

    private async Task<List<string>> LegacyGrainsAsync(DbConnection connection, string type, CancellationToken cancellationToken) =>
        [.. (await StoredGrainsAsync(connection, type, cancellationToken, includeCleared: true)).Where(CustomerKeys.IsLegacy)];

    private async Task<List<string>> StoredGrainsAsync(DbConnection connection, string type, CancellationToken cancellationToken, bool includeCleared = false)
    {
        var found = new List<string>();
        await using var command = LedgerDatabase.Command(connection, null,
            $"SELECT GrainIdExtensionString FROM OrleansStorage WHERE ServiceId = @service AND GrainTypeString = @type{(includeCleared ? "" : " AND PayloadBinary IS NOT NULL")}")
            .With("service", settings.ServiceId).With("type", type);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!reader.IsDBNull(0) && reader.GetString(0) is { Length: > 0 } key)
            {
                found.Add(key);
            }
        }

        return found;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-keying customers to keyed keys: {Customers} customer grains and {LedgerKeys} keys in the ledger are stored under the old unkeyed keys; the silo serves once they are moved")]
    private partial void LogStarting(int customers, int ledgerKeys);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-keyed {Customers} customer grains, {Coupons} coupons, {Owners} carts and orders and {LedgerKeys} ledger keys ({Erased} of erased customers, now under random keys) in {Milliseconds} ms")]
    private partial void LogDone(int customers, int coupons, int owners, int ledgerKeys, int erased, long milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The old customer keys are moved, but their bytes could not yet be rewritten out of the table files (a table stayed locked); the next start tries again")]
    private partial void LogVacuumPending();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Customer {Key} is stored under both its old and its new key; the new one is kept")]
    private partial void LogBothKeys(string key);
}
