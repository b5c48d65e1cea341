
namespace Orleans.Recovery.Ledger;

/// <summary>
/// Erases a customer from the ledger: their leads, the only rows with personal data, are deleted, and the customer is
/// marked erased so no later append brings a lead back. Counts, messages, orders and entries stay, under a random key of
/// their own: nothing links them to the address any more, not even the customer-key secret. Only the erasure mark is
/// kept under the customer's key, so the address stays suppressed.
/// </summary>
public sealed class LedgerErasure(LedgerDatabase database, DatabaseVacuum vacuum)
{
    /// <summary>The row of <c>recovery_maintenance</c> that counts erase requests, for the vacuum that follows them.</summary>
    public const string ErasureRequests = "erase-requests";

    /// <summary>Marks the customer erased and deletes their leads; returns how many leads went.</summary>
    public Task<int> EraseAsync(string customerKey, DateTimeOffset now) => database.WriteAsync(async () =>
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await database.BoundAsync(connection, transaction);
        if (database.IsPostgreSql)
        {
            // Taken in turn with the ledger's writes of this customer, so an append of their lead cannot slip in between.
            await LedgerTransaction.LockCustomerAsync(connection, transaction, customerKey);
        }
        else
        {
            // Deleted rows are overwritten with zeros, not merely unlinked.
            await using var secure = LedgerDatabase.Command(connection, transaction, "PRAGMA secure_delete = ON");
            await secure.ExecuteNonQueryAsync();
        }

        await using (var mark = LedgerDatabase.Command(connection, transaction, """
            INSERT INTO recovery_customers (customer_key, erased_at) VALUES (@key, @at)
            ON CONFLICT (customer_key) DO UPDATE SET erased_at = COALESCE(recovery_customers.erased_at, excluded.erased_at)
            """).With("key", customerKey).With("at", now.ToUnixTimeMilliseconds()))
        {
            await mark.ExecuteNonQueryAsync();
        }

        // The counts stay for the reports, under a key that leads nowhere; the storefront's own customer id leads
        // straight back to its record of the person, so it goes too.
        var anonymous = "x" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        foreach (var table in new[] { "recovery_messages", "recovery_orders", "recovery_entries" })
        {
            await using var unlink = LedgerDatabase.Command(connection, transaction, $"UPDATE {table} SET customer_key = @anonymous, shop_customer_id = NULL WHERE customer_key = @key")
                .With("anonymous", anonymous).With("key", customerKey);
            await unlink.ExecuteNonQueryAsync();
        }

        await using var delete = LedgerDatabase.Command(connection, transaction, "DELETE FROM recovery_leads WHERE customer_key = @key").With("key", customerKey);
        var deleted = await delete.ExecuteNonQueryAsync();

        // Counted, not timed: an erase of an address erased before is a new request, and the processes' clocks may differ.
        await using (var counted = LedgerDatabase.Command(connection, transaction, $"""
            INSERT INTO recovery_maintenance (task, done_at) VALUES ('{ErasureRequests}', 1)
            ON CONFLICT (task) DO UPDATE SET done_at = recovery_maintenance.done_at + 1
            """))
        {
            await counted.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return deleted;
    });

    /// <summary>On SQLite, rebuilds the file and truncates its log (<see cref="DatabaseVacuum.CompactSqliteAsync"/>); PostgreSQL is vacuumed off the request.</summary>
    public Task<bool> CompactAsync() => database.IsPostgreSql ? Task.FromResult(true) : vacuum.CompactSqliteAsync();
}
