using Npgsql;

namespace Orleans.Recovery.Ledger.Tests.Writing;

/// <summary>
/// What PostgreSQL ran in one database, as the issue's budget counts it: pg_stat_statements' calls by statement,
/// utility statements (BEGIN, COMMIT, the pool's DISCARD ALL) included. Read on a pool of its own, so reading never
/// reuses, and resets, a connection the ledger returned.
/// </summary>
internal sealed class ServerStatements
{
    private const string Marker = "/* statement count */";

    private readonly string _connectionString;

    private ServerStatements(string connectionString) =>
        _connectionString = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "statement-count", Pooling = false }.ConnectionString;

    /// <summary>Calls so far by normalised statement text.</summary>
    public IReadOnlyDictionary<string, long> Calls { get; private init; } = new Dictionary<string, long>();

    /// <summary>Counts on <paramref name="database"/>, whose server preloads pg_stat_statements; the extension is made there unless template1 brought it.</summary>
    public static async Task<ServerStatements> OnAsync(LedgerDatabase database)
    {
        var statements = new ServerStatements(database.ConnectionString);
        await using var connection = new NpgsqlConnection(statements._connectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE EXTENSION IF NOT EXISTS pg_stat_statements {Marker}", connection);
        await create.ExecuteNonQueryAsync();
        return statements;
    }

    public async Task<ServerStatements> TakeAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand($"""
            SELECT query, sum(calls)::bigint {Marker} FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND query NOT LIKE '%{Marker}%'
            GROUP BY query
            """, connection);
        var calls = new Dictionary<string, long>();
        await using var reader = await read.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            calls[reader.GetString(0)] = reader.GetInt64(1);
        }

        return new ServerStatements(_connectionString) { Calls = calls };
    }

    /// <summary>The statements run since <paramref name="before"/>, most frequent first.</summary>
    public IReadOnlyList<(string Statement, long Calls)> Since(ServerStatements before) =>
        [.. Calls.Select(pair => (Statement: pair.Key, Calls: pair.Value - before.Calls.GetValueOrDefault(pair.Key)))
            .Where(pair => pair.Calls > 0)
            .OrderByDescending(pair => pair.Calls)];

    /// <summary>One line per statement, for the test's output: what to cut next is read from it.</summary>
    public static string Describe(IReadOnlyList<(string Statement, long Calls)> statements) => string.Join(Environment.NewLine, statements.Select(s =>
    {
        var line = string.Join(' ', s.Statement.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        return $"{s.Calls,6}  {(line.Length <= 120 ? line : line[..120] + "…")}";
    }));
}
