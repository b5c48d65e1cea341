using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Hosting.Storage;

/// <summary>
/// Applies the project's own schema (<see cref="SchemaScripts"/>) before the
/// storage, reminder and membership providers read their queries. Every script is idempotent, so this runs on every
/// start of every silo and API process; on PostgreSQL an advisory lock makes processes that start together take turns.
/// </summary>
public sealed partial class DatabaseSchema(RecoverySettings settings, ILogger<DatabaseSchema> logger)
{
    /// <summary>An arbitrary constant that names our lock among the database's advisory locks.</summary>
    private const long AdvisoryLockKey = 0x4F524543_53434845; // "ORECSCHE"

    public string Dialect => settings.UsesPostgreSql ? "postgresql" : "sqlite";

    public Task ApplyAsync(CancellationToken cancellationToken) =>
        settings.UsesPostgreSql ? ApplyToPostgreSqlAsync(cancellationToken) : ApplyToSqliteAsync(cancellationToken);

    private async Task ApplyToSqliteAsync(CancellationToken cancellationToken)
    {
        var builder = new SqliteConnectionStringBuilder(settings.ConnectionString);
        if (builder.DataSource is { Length: > 0 } file && file != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(file)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        await using var connection = new SqliteConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        foreach (var (name, sql) in SchemaScripts.Of(Dialect))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(cancellationToken);
            LogApplied(name);
        }
    }

    private async Task ApplyToPostgreSqlAsync(CancellationToken cancellationToken)
    {
        // A silo restarting beside live ones applies the scripts while their transactions hold locks on the same
        // tables: PostgreSQL may end the scripts' transaction as a deadlock's victim (bench/run --only cluster saw it
        // on a restart after a kill). Nothing of it was kept, and the scripts are idempotent: they run again.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ApplyToPostgreSqlOnceAsync(cancellationToken);
                return;
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.DeadlockDetected && attempt < 5)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
            }
        }
    }

    private async Task ApplyToPostgreSqlOnceAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);

        // CREATE TABLE IF NOT EXISTS is not safe against itself: two sessions creating the same table at once can both
        // pass the check and one fails on the catalog. The transaction-scoped lock serialises the scripts.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            command.Parameters.AddWithValue("key", AdvisoryLockKey);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var (name, sql) in SchemaScripts.Of(Dialect))
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
            LogApplied(name);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Applied schema script {Script}")]
    private partial void LogApplied(string script);
}

/// <summary>Runs <see cref="DatabaseSchema"/> first thing in a silo's start, before any provider starts.</summary>
internal sealed class DatabaseSchemaLifecycle(DatabaseSchema schema) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DatabaseSchema), ServiceLifecycleStage.First, schema.ApplyAsync);
}
