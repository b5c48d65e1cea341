using Npgsql;
using Orleans.Recovery.Hosting.Storage;

namespace Orleans.Recovery.Cluster.Tests.Storage;

/// <summary>The Npgsql settings the bench chose, and the shop's own connection string winning over them.</summary>
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
}
