using System.Data.Common;
using Npgsql;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// Statements sent to PostgreSQL together, in one round trip (an <see cref="NpgsqlBatch"/>), run in order inside the
/// transaction, each seeing what the ones before it wrote. The server still counts every statement: a round trip saves
/// waiting, a statement over arrays (<see cref="ColumnArrays{T}"/>) saves statements.
/// </summary>
internal sealed class PostgresRoundTrip(LedgerSql sql)
{
    private readonly List<(NpgsqlBatchCommand Command, Action<DbDataReader>? Row)> _statements = [];

    /// <summary>
    /// Adds a statement. With <paramref name="row"/>, which reads each row it returns, every statement of the round trip
    /// must return rows (a SELECT, or RETURNING), so each result is read by its own statement's reader.
    /// </summary>
    public PostgresRoundTrip Add(string text, IEnumerable<NpgsqlParameter> parameters, Action<DbDataReader>? row = null)
    {
        var command = new NpgsqlBatchCommand(text);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter);
        }

        _statements.Add((command, row));
        return this;
    }

    /// <summary>Sends the statements and reads what they return; sends nothing when there are none.</summary>
    public async Task RunAsync()
    {
        if (_statements.Count == 0)
        {
            return;
        }

        await using var batch = sql.Batch();
        foreach (var (command, _) in _statements)
        {
            batch.BatchCommands.Add(command);
        }

        if (_statements.All(statement => statement.Row is null))
        {
            await batch.ExecuteNonQueryAsync();
            return;
        }

        if (_statements.Any(statement => statement.Row is null))
        {
            throw new InvalidOperationException("A round trip that reads rows reads every statement's: each must return rows.");
        }

        await using var reader = await batch.ExecuteReaderAsync();
        foreach (var (_, row) in _statements)
        {
            while (await reader.ReadAsync())
            {
                row!(reader);
            }

            await reader.NextResultAsync();
        }
    }
}
