using Microsoft.Extensions.Configuration;
using Npgsql;
using Orleans.Recovery.Hosting;
using Orleans.Recovery.Hosting.Storage;

namespace Orleans.Recovery.Cluster.Tests.Storage;

/// <summary>The Npgsql settings the bench chose, the shop's own connection string winning over them, and SQLite's flush setting.</summary>
[Trait("Category", "Unit")]
public sealed class RecoveryDataSourceTests
{
    [Fact]
    public void TheBenchsSettingsApplyWhereTheConnectionStringIsSilent()
    {
        var tuned = new NpgsqlConnectionStringBuilder(RecoveryDataSource.Tuned("Host=db;Database=recovery;Username=recovery;Password=secret"));
        Assert.True(tuned.NoResetOnClose);
        Assert.Equal(20, tuned.MaxAutoPrepare);
        Assert.Equal("secret", tuned.Password);
    }

    [Fact]
    public void ASettingTheShopGaveIsKeptInAnySpelling()
    {
        // PgBouncer in transaction mode without prepared statements, and a shop that wants the pool reset.
        var tuned = new NpgsqlConnectionStringBuilder(RecoveryDataSource.Tuned("Host=db;Database=recovery;max auto prepare=0;No Reset On Close=false"));
        Assert.False(tuned.NoResetOnClose);
        Assert.Equal(0, tuned.MaxAutoPrepare);
    }

    [Theory]
    [InlineData(null, 2L)]
    [InlineData("Normal", 1L)]
    [InlineData("full", 2L)]
    public async Task SqlitesFlushIsFullUnlessTheShopChoosesNormal(string? setting, long pragma)
    {
        var file = Path.Combine(Path.GetTempPath(), $"recovery-sync-{Guid.NewGuid():N}.db");
        try
        {
            await using var source = new RecoveryDataSource(RecoverySettings.From(Configuration(file, setting)));
            await using var connection = await source.Source.OpenConnectionAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous";
            Assert.Equal(pragma, (long)(await command.ExecuteScalarAsync())!);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(file);
        }
    }

    [Fact]
    public void AnUnknownFlushSettingStopsStartUpNamingTheKey()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => RecoverySettings.From(Configuration("recovery.db", "Off")));
        Assert.Contains("Recovery:Database:SqliteSynchronous", refused.Message);
    }

    private static IConfiguration Configuration(string file, string? synchronous) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Recovery:Storage"] = "Sqlite",
            ["ConnectionStrings:Recovery"] = $"Data Source={file}",
            ["Recovery:Database:SqliteSynchronous"] = synchronous,
        })
        .Build();
}
