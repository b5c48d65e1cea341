using System.Data.Common;

namespace Orleans.Recovery.Ledger.Tests.Storage;

/// <summary>What every connection to a SQLite file gets from the data source, whoever opens it.</summary>
[Trait("Category", "Database")]
public sealed class SqliteDataSourceTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"recovery-source-{Guid.NewGuid():N}.db");

    [Theory]
    [InlineData(SqliteSynchronous.Full, 2)]
    [InlineData(SqliteSynchronous.Normal, 1)]
    [InlineData(SqliteSynchronous.Off, 0)]
    public async Task EachConnectionWaitsFiveSecondsForTheLockAndFlushesCommitsAsAskedFor(SqliteSynchronous synchronous, long pragma)
    {
        await using var source = new SqliteDataSource($"Data Source={_file}", synchronous);
        await using var connection = await source.OpenConnectionAsync();

        Assert.Equal(5000L, await PragmaAsync(connection, "busy_timeout"));
        Assert.Equal(pragma, await PragmaAsync(connection, "synchronous"));
    }

    [Fact]
    public async Task ATemporaryLedgerDoesNotWaitForTheDiskSinceItsFileGoesWithTheProcess()
    {
        await using var ledger = LedgerDatabase.Temporary();
        await using var connection = await ledger.OpenAsync();

        Assert.Equal(0L, await PragmaAsync(connection, "synchronous"));
    }

    private static async Task<long> PragmaAsync(DbConnection connection, string name)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _file, $"{_file}-wal", $"{_file}-shm" })
        {
            File.Delete(file);
        }
    }
}
