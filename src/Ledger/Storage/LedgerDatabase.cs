using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// Where the ledger lives: the silo's own database (the SQLite file or PostgreSQL), or, for <c>Recovery:Storage=Memory</c>,
/// a SQLite file of the process's own in the temporary folder, deleted with it like the rest of its state.
/// </summary>
public sealed class LedgerDatabase : IAsyncDisposable
{
    private readonly DbDataSource _source;
    private readonly bool _ownsSource;
    private readonly SqliteWriteGate? _gate;
    private readonly string? _temporaryFile;
    private readonly SemaphoreSlim _created = new(1, 1);
    private bool _schemaApplied;

    private LedgerDatabase(DbDataSource source, bool ownsSource, bool postgreSql, SqliteWriteGate? gate, string? temporaryFile = null, string? connectionString = null)
    {
        _source = source;
        _ownsSource = ownsSource;
        ConnectionString = connectionString ?? source.ConnectionString;
        IsPostgreSql = postgreSql;
        _gate = gate;
        _temporaryFile = temporaryFile;
        _schemaApplied = temporaryFile is null;
    }

    /// <summary>The connection string as given; from a data source, as it tells it (Npgsql's leaves the password out).</summary>
    public string ConnectionString { get; }

    public bool IsPostgreSql { get; }

    /// <summary>
    /// A ledger of this process's own, in a SQLite file in the temporary folder, with the schema applied on first use and
    /// the file deleted on disposal. A file rather than SQLite's shared memory, whose table locks fail a report that
    /// reads while the ledger writes; in WAL mode readers never wait.
    /// </summary>
    public static LedgerDatabase Temporary()
    {
        var file = Path.Combine(Path.GetTempPath(), $"recovery-ledger-{Guid.NewGuid():N}.db");
        // The file goes with the process (in-memory grain state, or a test), so a commit need not wait for the disk.
        return new(new SqliteDataSource($"Data Source={file}", SqliteSynchronous.Off), ownsSource: true, postgreSql: false, new SqliteWriteGate(), file);
    }

    /// <summary>
    /// A ledger on a database whose schema the caller applied: a SQLite file, whose writes take turns through
    /// <paramref name="gate"/> (the one the process's grain storage shares, or a gate of its own), or PostgreSQL.
    /// </summary>
    public static LedgerDatabase On(string connectionString, bool postgreSql, SqliteWriteGate? gate = null) =>
        new(postgreSql ? NpgsqlDataSource.Create(connectionString) : new SqliteDataSource(connectionString), ownsSource: true, postgreSql, postgreSql ? null : gate ?? new SqliteWriteGate(), connectionString: connectionString);

    /// <summary>The same on the process's one data source, which its grain storage, reminders and clustering share; its owner disposes it.</summary>
    public static LedgerDatabase On(DbDataSource source, bool postgreSql, SqliteWriteGate? gate = null) =>
        new(source, ownsSource: false, postgreSql, postgreSql ? null : gate ?? new SqliteWriteGate());

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken);
        return await _source.OpenConnectionAsync(cancellationToken);
    }

    /// <summary>Hands each row of a query to <paramref name="read"/>, on a connection of its own, outside any transaction: what the reports do.</summary>
    public async Task ReadAsync(string sql, Action<DbCommand> parameters, Action<DbDataReader> read, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await new LedgerSql(connection, null).ReadAsync(sql, parameters, read, cancellationToken);
    }

    /// <summary>
    /// Bounds a ledger transaction on PostgreSQL: no statement runs past 10 s, no lock is waited for past 5 s, and a
    /// session left idle inside the transaction (a silo frozen, or cut off, in the middle of one) is ended by the server
    /// after 10 s, releasing what it held, instead of when TCP keepalives notice, which by default takes hours.
    /// </summary>
    public async Task BoundAsync(DbConnection connection, DbTransaction transaction)
    {
        if (IsPostgreSql)
        {
            await using var bound = Command(connection, transaction, Bounds);
            await bound.ExecuteNonQueryAsync();
        }
    }

    /// <summary>
    /// What <see cref="BoundAsync"/> runs: the three settings as one statement (<c>set_config</c> local to the
    /// transaction is <c>SET LOCAL</c>), since the server counts, and the product's budget limits, statements.
    /// </summary>
    internal const string Bounds =
        "SELECT set_config('statement_timeout', '10s', true), set_config('lock_timeout', '5s', true), set_config('idle_in_transaction_session_timeout', '10s', true)";

    /// <summary>Runs a write; on SQLite it takes its turn with the grain storage's writes, as SQLite has one writer.</summary>
    public Task<T> WriteAsync<T>(Func<Task<T>> write) => _gate is null ? write() : _gate.WriteAsync(write);

    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsSource)
        {
            await _source.DisposeAsync();
        }

        if (_temporaryFile is not null)
        {
            SqliteConnection.ClearAllPools();
            foreach (var file in new[] { _temporaryFile, $"{_temporaryFile}-wal", $"{_temporaryFile}-shm" })
            {
                File.Delete(file);
            }
        }
    }

    private async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_schemaApplied)
        {
            return;
        }

        await _created.WaitAsync(cancellationToken);
        try
        {
            if (!_schemaApplied)
            {
                await using var connection = new SqliteConnection(ConnectionString);
                await connection.OpenAsync(cancellationToken);
                foreach (var sql in SchemaScripts.Of("sqlite").Where(script => script.Name.EndsWith("-ledger.sql", StringComparison.Ordinal) || script.Name.EndsWith("-connector-deliveries.sql", StringComparison.Ordinal) || script.Name.EndsWith("-maintenance.sql", StringComparison.Ordinal)).Select(script => script.Sql).Prepend("PRAGMA journal_mode = WAL;"))
                {
                    await using var command = Command(connection, null, sql);
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }

                _schemaApplied = true;
            }
        }
        finally
        {
            _created.Release();
        }
    }
}

/// <summary>Parameters for the ledger's SQL, the same for SQLite and PostgreSQL: text, 64-bit integers and nulls typed as such.</summary>
public static class LedgerParameters
{
    public static DbCommand With(this DbCommand command, string name, string? value) => Add(command, name, value, DbType.String);

    public static DbCommand With(this DbCommand command, string name, long? value) => Add(command, name, value, DbType.Int64);

    private static DbCommand Add(DbCommand command, string name, object? value, DbType type)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }
}
