using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;

namespace Orleans.Recovery.Cluster.Tests.Contract;

/// <summary>
/// Our reminder SQL under the Orleans ADO.NET reminder provider, as a started silo uses it. Test reminders are due a
/// day from now, so the silo's own reminder service never fires them.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Database")]
public sealed class ReminderContractTests(PostgresFixture postgres) : IAsyncLifetime
{
    private IHost _host = null!;
    private IReminderTable _table = null!;

    public async Task InitializeAsync()
    {
        _host = await ProviderHost.StartAsync(await postgres.Server.CreateDatabaseAsync("reminders") + ";Timezone=America/Los_Angeles");
        _table = _host.Services.GetRequiredService<IReminderTable>();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();

        // Idle pooled connections to this class's database would otherwise hold server slots the cluster test needs.
        Npgsql.NpgsqlConnection.ClearAllPools();
    }

    [Fact]
    public async Task AReminderReadsBackAsWrittenAndEachUpsertMovesItsETag()
    {
        var entry = Entry(GrainId.Create("cart", Guid.NewGuid().ToString("N")));

        var first = await _table.UpsertRow(entry);
        var read = (await _table.ReadRow(entry.GrainId, entry.ReminderName))!;
        entry.Period = TimeSpan.FromMinutes(5);
        var second = await _table.UpsertRow(entry);

        Assert.Equal(entry.GrainId, read.GrainId);
        Assert.Equal(entry.ReminderName, read.ReminderName);
        Assert.Equal(entry.StartAt, read.StartAt, TimeSpan.FromMilliseconds(1));
        Assert.Equal(TimeSpan.FromDays(1), read.Period);
        Assert.Equal(first, read.ETag);
        Assert.NotEqual(first, second);
        Assert.Equal(TimeSpan.FromMinutes(5), (await _table.ReadRow(entry.GrainId, entry.ReminderName))!.Period);
        Assert.Single((await _table.ReadRows(entry.GrainId)).Reminders);
    }

    [Fact]
    public async Task RemovingWithAStaleETagKeepsTheReminder()
    {
        var entry = Entry(GrainId.Create("cart", Guid.NewGuid().ToString("N")));
        var stale = (await _table.UpsertRow(entry))!;
        var current = (await _table.UpsertRow(entry))!;

        Assert.False(await _table.RemoveRow(entry.GrainId, entry.ReminderName, stale));
        Assert.NotNull(await _table.ReadRow(entry.GrainId, entry.ReminderName));
        Assert.True(await _table.RemoveRow(entry.GrainId, entry.ReminderName, current));
        Assert.Null(await _table.ReadRow(entry.GrainId, entry.ReminderName));
        Assert.False(await _table.RemoveRow(entry.GrainId, entry.ReminderName, current));
    }

    [Fact]
    public async Task RangeReadsReturnExactlyTheSliceOfTheRingIncludingSlicesThatWrapAround()
    {
        // Enough grains that every slice below holds some, with hashes spread over the whole unsigned ring; the table
        // stores them as signed integers, so slices crossing 0x80000000 and 0xFFFFFFFF -> 0 both wrap in SQL.
        var grains = Enumerable.Range(0, 600).Select(_ => GrainId.Create("range", Guid.NewGuid().ToString("N"))).ToList();
        foreach (var grain in grains)
        {
            await _table.UpsertRow(Entry(grain));
        }

        (uint Begin, uint End)[] slices =
        [
            (0x10000000, 0x60000000),  // both positive when signed
            (0x90000000, 0xE0000000),  // both negative when signed
            (0x70000000, 0x90000000),  // crosses the signed boundary
            (0xF0000000, 0x10000000),  // wraps past the end of the unsigned ring
            (0x00000000, 0xFFFFFFFF),
            (0x40000000, 0x40000000),  // begin == end: the whole ring
        ];
        foreach (var (begin, end) in slices)
        {
            var expected = grains.Where(grain => InSlice(grain.GetUniformHashCode(), begin, end)).ToHashSet();
            var read = (await _table.ReadRows(begin, end)).Reminders.Select(r => r.GrainId).Where(g => g.Type.ToString() == "range").ToList();

            Assert.NotEmpty(expected);
            Assert.Equal(read.Count, read.Distinct().Count());
            Assert.True(expected.SetEquals(read), $"slice ({begin:X8}, {end:X8}]: expected {expected.Count}, read {read.Count}");
        }
    }

    [Fact]
    public async Task ClearingTheTableRemovesThisServicesReminders()
    {
        var entry = Entry(GrainId.Create("cart", Guid.NewGuid().ToString("N")));
        await _table.UpsertRow(entry);

        await _table.TestOnlyClearTable();

        Assert.Null(await _table.ReadRow(entry.GrainId, entry.ReminderName));
    }

    /// <summary>Orleans' ring: (begin, end] going up, wrapping past the top when begin >= end.</summary>
    private static bool InSlice(uint hash, uint begin, uint end) =>
        begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    private static ReminderEntry Entry(GrainId grain) => new()
    {
        GrainId = grain,
        ReminderName = "follow-up",
        StartAt = DateTime.UtcNow.AddDays(1),
        Period = TimeSpan.FromDays(1),
    };
}
