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

/// <summary>The ledger's side of the re-keying: its rows under today's keys, an erased customer's under a random one.</summary>
public sealed partial class CustomerRekeying
{
    /// <summary>The ledger's tables that name customers by key.</summary>
    private static readonly string[] KeyedTables = ["recovery_messages", "recovery_orders", "recovery_entries", "recovery_leads", "recovery_customers"];

    /// <summary>The rows an erased customer leaves: kept for the counts, under a random key.</summary>
    private static readonly string[] AnonymisedTables = ["recovery_messages", "recovery_orders", "recovery_entries"];

    /// <summary>
    /// Each old key's rows, under today's key, a few hundred keys a transaction; an erased customer's counts under a
    /// random key. Returns how many erased customers there were.
    /// </summary>
    private async Task<int> RekeyLedgerAsync(List<(string Key, bool Erased)> ledgerKeys, CancellationToken cancellationToken)
    {
        foreach (var batch in ledgerKeys.Chunk(250))
        {
            await database.WriteAsync(async () =>
            {
                await using var connection = await database.OpenAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                var sql = new LedgerSql(connection, transaction);
                foreach (var (legacy, erasedBefore) in batch)
                {
                    var current = keys.Current(legacy);

                    // Erased under either key: before the upgrade, or since, by a process of this version.
                    var erased = erasedBefore || await sql.ScalarAsync<long>(
                        "SELECT COUNT(*) FROM recovery_customers WHERE customer_key = @key AND erased_at IS NOT NULL", command => command.With("key", current), cancellationToken) > 0;
                    var counts = erased ? "x" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) : current;
                    foreach (var table in AnonymisedTables)
                    {
                        await sql.ExecuteAsync($"UPDATE {table} SET customer_key = @to WHERE customer_key = @from",
                            command => command.With("to", counts).With("from", legacy), cancellationToken);
                    }

                    await sql.ExecuteAsync(erased
                            ? "DELETE FROM recovery_leads WHERE customer_key = @from"
                            : "UPDATE recovery_leads SET customer_key = @to WHERE customer_key = @from",
                        command => command.With("to", current).With("from", legacy), cancellationToken);
                    await sql.ExecuteAsync("""
                        INSERT INTO recovery_customers (customer_key, unsubscribed_at, erased_at)
                        SELECT @to, unsubscribed_at, erased_at FROM recovery_customers WHERE customer_key = @from
                        ON CONFLICT (customer_key) DO UPDATE SET
                            unsubscribed_at = COALESCE(recovery_customers.unsubscribed_at, excluded.unsubscribed_at),
                            erased_at = COALESCE(recovery_customers.erased_at, excluded.erased_at)
                        """, command => command.With("to", current).With("from", legacy), cancellationToken);
                    await sql.ExecuteAsync("DELETE FROM recovery_customers WHERE customer_key = @from",
                        command => command.With("from", legacy), cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                return 0;
            });
        }

        return ledgerKeys.Count(key => key.Erased);
    }

    private async Task<List<(string Key, bool Erased)>> LegacyLedgerKeysAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var union = string.Join(" UNION ", KeyedTables.Select(table => $"SELECT customer_key FROM {table} WHERE customer_key LIKE 'c%'"));
        await using var command = LedgerDatabase.Command(connection, null, $"""
            SELECT k.customer_key, c.erased_at FROM ({union}) k
            LEFT JOIN recovery_customers c ON c.customer_key = k.customer_key
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<(string, bool)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.GetString(0) is var key && CustomerKeys.IsLegacy(key))
            {
                found.Add((key, !reader.IsDBNull(1)));
            }
        }

        return found;
    }
}
