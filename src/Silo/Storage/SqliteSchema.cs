using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Orleans.Recovery.Silo.Storage;

/// <summary>
/// Applies the project's own SQLite schema (deploy/sql/sqlite, embedded in this assembly) before the storage and
/// reminder providers start. Every script is idempotent, so this runs on every start.
/// </summary>
public sealed partial class SqliteSchema(string connectionString, ILogger<SqliteSchema> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SqliteSchema), ServiceLifecycleStage.First, ApplyAsync);

    public async Task ApplyAsync(CancellationToken cancellationToken)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.DataSource is { Length: > 0 } file && file != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(file)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        foreach (var (name, sql) in Scripts())
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(cancellationToken);
            LogApplied(name);
        }
    }

    /// <summary>The embedded scripts, in file-name order.</summary>
    public static IEnumerable<(string Name, string Sql)> Scripts()
    {
        var assembly = typeof(SqliteSchema).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("sql/sqlite/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            yield return (name, reader.ReadToEnd());
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Applied schema script {Script}")]
    private partial void LogApplied(string script);
}
