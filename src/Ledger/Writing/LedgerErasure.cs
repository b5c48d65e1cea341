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
        var sql = new LedgerSql(connection, transaction);
        if (database.IsPostgreSql)
        {
            // Taken in turn with the ledger's writes of this customer, so an append of their lead cannot slip in between.
            await LedgerCustomerLocks.LockCustomerAsync(sql, customerKey);
        }
        else
        {
            // Deleted rows are overwritten with zeros, not merely unlinked.
            await sql.ExecuteAsync("PRAGMA secure_delete = ON");
        }

        await sql.ExecuteAsync("""
            INSERT INTO recovery_customers (customer_key, erased_at) VALUES (@key, @at)
            ON CONFLICT (customer_key) DO UPDATE SET erased_at = COALESCE(recovery_customers.erased_at, excluded.erased_at)
            """, command => command.With("key", customerKey).With("at", now.ToUnixTimeMilliseconds()));

        // The counts stay for the reports, under a key that leads nowhere; the storefront's own customer id leads
        // straight back to its record of the person, so it goes too.
        var anonymous = "x" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        foreach (var table in new[] { "recovery_messages", "recovery_orders", "recovery_entries" })
        {
            await sql.ExecuteAsync($"UPDATE {table} SET customer_key = @anonymous, shop_customer_id = NULL WHERE customer_key = @key",
                command => command.With("anonymous", anonymous).With("key", customerKey));
        }

        var deleted = await sql.ExecuteAsync("DELETE FROM recovery_leads WHERE customer_key = @key", command => command.With("key", customerKey));

        // Counted, not timed: an erase of an address erased before is a new request, and the processes' clocks may differ.
        await sql.ExecuteAsync($"""
            INSERT INTO recovery_maintenance (task, done_at) VALUES ('{ErasureRequests}', 1)
            ON CONFLICT (task) DO UPDATE SET done_at = recovery_maintenance.done_at + 1
            """);

        await transaction.CommitAsync();
        return deleted;
    });

    /// <summary>On SQLite, rebuilds the file and truncates its log (<see cref="DatabaseVacuum.CompactSqliteAsync"/>); PostgreSQL is vacuumed off the request.</summary>
    public Task<bool> CompactAsync() => database.IsPostgreSql ? Task.FromResult(true) : vacuum.CompactSqliteAsync();
}
