using Npgsql;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// Rows as PostgreSQL parameters, one array per column, for a statement that takes them all at once:
/// <c>unnest(@a::text[], @b::bigint[], …)</c> yields the rows back, in the order given.
/// </summary>
internal sealed class ColumnArrays<T>(IReadOnlyList<T> rows)
{
    private readonly List<NpgsqlParameter> _parameters = [];

    public IReadOnlyList<NpgsqlParameter> Parameters => _parameters;

    public ColumnArrays<T> Text(string name, Func<T, string?> column) => Add(name, column);

    public ColumnArrays<T> Bigint(string name, Func<T, long?> column) => Add(name, column);

    public ColumnArrays<T> Integer(string name, Func<T, int> column) => Add(name, column);

    private ColumnArrays<T> Add<TValue>(string name, Func<T, TValue> column)
    {
        _parameters.Add(new NpgsqlParameter<TValue[]>(name, [.. rows.Select(column)]));
        return this;
    }
}
