using Npgsql;

namespace Orleans.Recovery.Bench;

/// <summary>
/// What the product ran in one database, from pg_stat_statements: every statement the providers and the ledger send,
/// reads included, and the pool's <c>DISCARD ALL</c> resets too (a round trip like any other), but not the bench's own
/// queries, which are marked <c>/* bench */</c>. Two snapshots subtract to a burst's statements, by statement.
/// </summary>
public sealed class StatementCounts
{
    private StatementCounts(IReadOnlyDictionary<string, long> calls, long carts)
    {
        Calls = calls;
        Carts = carts;
    }

    /// <summary>Calls so far by statement text (normalised by pg_stat_statements).</summary>
    public IReadOnlyDictionary<string, long> Calls { get; }

    public long Total => Calls.Values.Sum();

    /// <summary>Cart grains stored so far.</summary>
    public long Carts { get; }

    public static async Task<StatementCounts> TakeAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements /* bench */", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        var calls = new Dictionary<string, long>();
        await using (var read = new NpgsqlCommand("""
            SELECT query, SUM(calls)::bigint /* bench */ FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%/* bench */%'
            GROUP BY query
            """, connection))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                calls[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        await using var carts = new NpgsqlCommand("SELECT COUNT(*) /* bench */ FROM OrleansStorage WHERE GrainTypeString = 'cart'", connection);
        return new StatementCounts(calls, (long)(await carts.ExecuteScalarAsync())!);
    }

    /// <summary>The statements run between <paramref name="before"/> and this snapshot, per event, most frequent first.</summary>
    public IReadOnlyList<(string Statement, double PerEvent)> Since(StatementCounts before, double events) =>
        [.. Calls.Select(c => (Statement: c.Key, Calls: c.Value - before.Calls.GetValueOrDefault(c.Key)))
            .Where(c => c.Calls > 0)
            .OrderByDescending(c => c.Calls)
            .Select(c => (c.Statement, c.Calls / events))];

    /// <summary>A burst's statements per event, one line each, for the report: what to cut next is read from it.</summary>
    public static string Describe(IReadOnlyList<(string Statement, double PerEvent)> statements) =>
        string.Join(Environment.NewLine, statements.Select(s => $"    {s.PerEvent,6:F2}  {Shorten(s.Statement)}"));

    private static string Shorten(string statement)
    {
        var line = string.Join(' ', statement.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        return line.Length <= 140 ? line : line[..140] + "…";
    }
}
