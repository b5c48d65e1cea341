using System.Data.Common;
using System.Globalization;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// Statements on one connection, inside a transaction or outside any: the few shapes every piece of the ledger's SQL
/// takes, the same on SQLite and PostgreSQL.
/// </summary>
public sealed class LedgerSql(DbConnection connection, DbTransaction? transaction)
{
    public DbCommand Command(string sql) => LedgerDatabase.Command(connection, transaction, sql);

    /// <summary>Statements for one round trip, on PostgreSQL only (SQLite runs in the process: it has no round trips to save).</summary>
    internal Npgsql.NpgsqlBatch Batch() => new((Npgsql.NpgsqlConnection)connection, (Npgsql.NpgsqlTransaction?)transaction);

    /// <summary>Runs a statement; returns the rows it changed.</summary>
    public async Task<int> ExecuteAsync(string sql, Action<DbCommand>? parameters = null, CancellationToken cancellationToken = default)
    {
        await using var command = Command(sql);
        parameters?.Invoke(command);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The first column of the first row, as <typeparamref name="T"/>; the default when there is none or it is null.</summary>
    public async Task<T?> ScalarAsync<T>(string sql, Action<DbCommand>? parameters = null, CancellationToken cancellationToken = default)
    {
        await using var command = Command(sql);
        parameters?.Invoke(command);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), CultureInfo.InvariantCulture);
    }

    /// <summary>Hands each row of a query to <paramref name="read"/>, in the order the database returns them.</summary>
    public async Task ReadAsync(string sql, Action<DbCommand> parameters, Action<DbDataReader> read, CancellationToken cancellationToken = default)
    {
        await using var command = Command(sql);
        parameters(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            read(reader);
        }
    }
}
