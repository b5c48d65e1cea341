using Npgsql;

namespace Orleans.Recovery.Bench;

/// <summary>
/// The statements run in one database so far, from pg_stat_statements, grouped by the part of the engine that sends
/// them, told apart by the table each touches. Unlike the single-process measurements, the pool's <c>DISCARD ALL</c>
/// counts too: with more processes there are more pools, and a share that grows with them is what is looked for.
/// </summary>
public static class StatementKinds
{
    public const string Storage = "storage";
    public const string Reminders = "reminders";
    public const string Membership = "membership";
    public const string Ledger = "ledger";
    public const string Transactions = "transactions";
    public const string Discard = "discard";
    public const string Other = "other";

    public static readonly IReadOnlyList<string> All = [Storage, Reminders, Membership, Ledger, Transactions, Discard, Other];

    // First match wins. The ledger's tables are recovery_*, and its customer locks are advisory locks. Transactions are
    // the BEGIN, COMMIT and SET LOCAL around the ledger's writes; the Orleans providers send single statements.
    private const string Kind = """
        CASE
          WHEN query ILIKE 'DISCARD%' THEN 'discard'
          WHEN query ILIKE '%OrleansMembership%' THEN 'membership'
          WHEN query ILIKE '%OrleansRemindersTable%' THEN 'reminders'
          WHEN query ILIKE '%OrleansStorage%' THEN 'storage'
          WHEN query ILIKE '%recovery\_%' OR query ILIKE '%pg_advisory%' THEN 'ledger'
          WHEN query ~* '^\s*(BEGIN|COMMIT|ROLLBACK|START|SET|SAVEPOINT|RELEASE)' THEN 'transactions'
          ELSE 'other'
        END
        """;

    public static async Task<Dictionary<string, long>> CountAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand($"""
            SELECT {Kind} AS kind, COALESCE(SUM(calls), 0)::bigint /* bench */
            FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%/* bench */%'
            GROUP BY 1
            """, connection);
        var counts = All.ToDictionary(kind => kind, _ => 0L);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }
}
