using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Orleans.Recovery.Ledger.Tests;

/// <summary>
/// A silo's ledger without the silo: the writer and the report queries as <see cref="LedgerServices.AddRecoveryLedger"/>
/// registers them, on a SQLite file of the test's own or on a new PostgreSQL database.
/// </summary>
internal sealed class TestLedger : IAsyncDisposable
{
    public const string Sqlite = "SQLite";
    public const string PostgreSql = "PostgreSQL";

    private readonly ServiceProvider _services;

    private TestLedger(ServiceProvider services) => _services = services;

    public static async Task<TestLedger> StartAsync(string database, PostgresFixture postgres, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var ledger = database == PostgreSql ? await postgres.NewLedgerAsync() : LedgerDatabase.Temporary();
        return new TestLedger(new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build())
            .AddLogging()
            .AddRecoveryLedger(_ => ledger)
            .BuildServiceProvider());
    }

    public LedgerDatabase Database => _services.GetRequiredService<LedgerDatabase>();

    /// <summary>Appends the batches one after the other, each committed before the next, as grains that append in turn.</summary>
    public async Task AppendAsync(params LedgerBatch[] batches)
    {
        var writer = _services.GetRequiredService<SqlLedger>();
        foreach (var batch in batches)
        {
            await writer.AppendAsync(batch);
        }
    }

    /// <summary>Appends the batches at once, as grains of one silo do side by side: they share a transaction.</summary>
    public Task AppendTogetherAsync(params LedgerBatch[] batches)
    {
        var writer = _services.GetRequiredService<SqlLedger>();
        return Task.WhenAll(batches.Select(writer.AppendAsync));
    }

    public T Query<T>() where T : notnull => _services.GetRequiredService<T>();

    /// <summary>The daily counts of the month from yesterday, summed, in a stable order.</summary>
    public async Task<IReadOnlyList<CountRow>> CountsAsync() =>
        [.. (await Query<StatsCountsQuery>().CountsAsync(Batches.Today.AddDays(-1), Batches.Today.AddDays(30), null, CancellationToken.None))
            .OrderBy(row => (row.Flow, row.Step, row.Variant, row.Metric, row.Detail))];

    /// <summary>The stats of one flow over the month from yesterday, as the API reports them.</summary>
    public async Task<FlowStats> StatsAsync(string flow = FlowNames.CartAbandonment) =>
        StatsReport.From(await CountsAsync(), [flow]).Single();

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
