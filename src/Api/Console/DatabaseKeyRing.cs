using System.Data.Common;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Api.Console;

/// <summary>
/// ASP.NET Core Data Protection's keys in the product's own database (<c>recovery_console_keys</c>): every API process
/// of a cluster reads the same ring, so a console session or form opened on one is good on the others, and a restart
/// signs nobody out. Keys are added, never changed; Data Protection retires them by date.
/// </summary>
/// <remarks>
/// The first key is made under a lock on PostgreSQL. Data Protection makes a key when it finds none, so two API
/// processes starting on an empty table would each make and use their own, and refuse each other's sessions until their
/// rings refreshed. Finding the table empty takes a transaction-scoped advisory lock and keeps it until this process
/// has stored its key; another process finding the table empty waits on that lock, then finds the key.
/// </remarks>
public sealed class DatabaseKeyRing(LedgerDatabase database, TimeProvider clock) : IXmlRepository, IDisposable
{
    /// <summary>How long the first-key lock waits for this process to store its key before giving it up.</summary>
    private static readonly TimeSpan FirstKeyTimeout = TimeSpan.FromSeconds(30);

    private const long FirstKeyLock = 0x7265636f76657279; // "recovery"

    private readonly Lock _pending = new();
    private (DbConnection Connection, DbTransaction Transaction, CancellationTokenSource Expiry)? _firstKey;

    // Data Protection's repository contract is synchronous; it is called when the ring is first needed and when a key
    // is rolled, every few months, never on a request's hot path.
    public IReadOnlyCollection<XElement> GetAllElements() => ReadAsync().GetAwaiter().GetResult();

    public void StoreElement(XElement element, string friendlyName) => database.WriteAsync(async () =>
    {
        (DbConnection Connection, DbTransaction Transaction, CancellationTokenSource Expiry)? held;
        lock (_pending)
        {
            held = _firstKey;
            _firstKey = null;
        }

        if (held is { } first)
        {
            // The first key, stored under the lock this process took when it found the table empty, then released.
            try
            {
                var stored = await InsertAsync(first.Connection, first.Transaction, element, friendlyName);
                await first.Transaction.CommitAsync();
                return stored;
            }
            finally
            {
                await ReleaseAsync(first);
            }
        }

        await using var connection = await database.OpenAsync();
        return await InsertAsync(connection, null, element, friendlyName);
    }).GetAwaiter().GetResult();

    public void Dispose()
    {
        lock (_pending)
        {
            if (_firstKey is { } held)
            {
                _firstKey = null;
                ReleaseAsync(held).GetAwaiter().GetResult();
            }
        }
    }

    private Task<int> InsertAsync(DbConnection connection, DbTransaction? transaction, XElement element, string friendlyName)
    {
        var command = LedgerDatabase.Command(connection, transaction,
            "INSERT INTO recovery_console_keys (name, xml, created_at) VALUES (@name, @xml, @at) ON CONFLICT (name) DO NOTHING");
        command.With("name", friendlyName).With("xml", element.ToString(SaveOptions.DisableFormatting)).With("at", clock.GetUtcNow().ToUnixTimeMilliseconds());
        return ExecuteAsync(command);

        static async Task<int> ExecuteAsync(DbCommand command)
        {
            await using (command)
            {
                return await command.ExecuteNonQueryAsync();
            }
        }
    }

    private async Task<IReadOnlyCollection<XElement>> ReadAsync()
    {
        var keys = await ReadAsync(null, null);
        bool holding;
        lock (_pending)
        {
            holding = _firstKey is not null;
        }

        // Asked again before this process stored the key it is making: it already holds the lock.
        if (keys.Count > 0 || !database.IsPostgreSql || holding)
        {
            return keys;
        }

        // Empty: take the first-key lock, and look again under it; a process that made the key meanwhile has committed it.
        var connection = await database.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        try
        {
            await using (var command = LedgerDatabase.Command(connection, transaction, "SELECT pg_advisory_xact_lock(@key)").With("key", FirstKeyLock))
            {
                await command.ExecuteNonQueryAsync();
            }

            keys = await ReadAsync(connection, transaction);
        }
        catch
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
            throw;
        }

        if (keys.Count > 0)
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
            return keys;
        }

        // Still empty: this process makes the first key, and holds the lock until it is stored (or a while at most).
        var expiry = new CancellationTokenSource(FirstKeyTimeout);
        var held = (connection, transaction, expiry);
        lock (_pending)
        {
            _firstKey = held;
        }

        expiry.Token.Register(() =>
        {
            lock (_pending)
            {
                if (_firstKey is { } pending && pending.Transaction == transaction)
                {
                    _firstKey = null;
                    _ = ReleaseAsync(pending);
                }
            }
        });
        return keys;
    }

    /// <summary>The keys, on <paramref name="connection"/> and <paramref name="transaction"/> when given, else on a connection of their own.</summary>
    private async Task<List<XElement>> ReadAsync(DbConnection? connection, DbTransaction? transaction)
    {
        var own = connection is null ? await database.OpenAsync() : null;
        try
        {
            await using var command = LedgerDatabase.Command(connection ?? own!, transaction, "SELECT xml FROM recovery_console_keys ORDER BY created_at, name");
            await using var reader = await command.ExecuteReaderAsync();
            var keys = new List<XElement>();
            while (await reader.ReadAsync())
            {
                keys.Add(XElement.Parse(reader.GetString(0)));
            }

            return keys;
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync();
            }
        }
    }

    private static async Task ReleaseAsync((DbConnection Connection, DbTransaction Transaction, CancellationTokenSource Expiry) held)
    {
        await held.Transaction.DisposeAsync();
        await held.Connection.DisposeAsync();
        held.Expiry.Dispose();
    }
}
