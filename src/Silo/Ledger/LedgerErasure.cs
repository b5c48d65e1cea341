using Microsoft.Data.Sqlite;

namespace Orleans.Recovery.Silo.Ledger;

/// <summary>
/// Erases a customer from the ledger: their leads, the only rows with personal data, are deleted, and the customer is
/// marked erased so no later append brings a lead back. Counts, messages and orders stay, under the customer key only.
/// </summary>
public sealed class LedgerErasure(LedgerDatabase database)
{
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

        // The storefront's own customer id leads straight back to its record of the person: it goes too.
        foreach (var table in new[] { "recovery_messages", "recovery_orders", "recovery_entries" })
        {
            await using var unlink = LedgerDatabase.Command(connection, transaction, $"UPDATE {table} SET shop_customer_id = NULL WHERE customer_key = @key AND shop_customer_id IS NOT NULL").With("key", customerKey);
            await unlink.ExecuteNonQueryAsync();
        }

        await using var delete = LedgerDatabase.Command(connection, transaction, "DELETE FROM recovery_leads WHERE customer_key = @key").With("key", customerKey);
        var deleted = await delete.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
        return deleted;
    });

    /// <summary>
    /// On SQLite, leaves no copy of erased data in the file or its write-ahead log: the grains' cleared state and the
    /// deleted leads free pages that still hold the old bytes, so the database is rebuilt (VACUUM) and the log
    /// checkpointed and truncated. It takes its turn with every other write, which wait meanwhile, and its time grows
    /// with the database (an erase is rare). A reader holding an old snapshot keeps the log from being truncated: it is
    /// tried again for a while, and false returned if it still could not be. PostgreSQL reuses the space of deleted rows
    /// by itself (autovacuum); nothing is done there.
    /// </summary>
    public async Task<bool> CompactAsync()
    {
        if (database.IsPostgreSql)
        {
            return true;
        }

        return await database.WriteAsync(async () =>
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
    }
}
