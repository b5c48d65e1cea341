using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Grains.Tests.Carts;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Orders;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Orleans.Recovery.Grains.Tests.FollowUps;

/// <summary>
/// A SQLite file written by the version before the follow-up engine (main at c93165d, 2026-11-25 12:33:20 UTC),
/// through its README's <c>dotnet run</c> with these delays:
/// <list type="bullet">
/// <item>legacy-cart-sent: step 1 sent, step 2 waiting (ana.sent@example.com);</item>
/// <item>legacy-cart-new: step 1 due at 12:33:28 (ana.new@example.com);</item>
/// <item>legacy-order-paying: payment reminder 1 sent, 2 waiting (ben.paying@example.com);</item>
/// <item>legacy-order-failed-new: payment reminder 1 due at 12:33:28 (ben.new@example.com);</item>
/// <item>legacy-order-delivered: confirmation and delivered notice sent, review request due a day after delivery (ben.delivered@example.com).</item>
/// </list>
/// </summary>
public sealed class LegacyStateFixture : ClusterFixture
{
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"recovery-legacy-{Guid.NewGuid():N}.db");

    protected override DateTimeOffset StartsAt => new(2026, 11, 25, 12, 33, 20, TimeSpan.Zero);

    protected override IReadOnlyDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Recovery:Flows:CartAbandonment:Steps:0:Delay"] = "00:00:15",
        ["Recovery:Flows:CartAbandonment:Steps:1:Delay"] = "01:00:00",
        ["Recovery:Flows:CartAbandonment:Steps:2:Delay"] = "03:00:00",
        ["Recovery:Flows:IncompletePayment:Steps:0:Delay"] = "00:00:15",
        ["Recovery:Flows:IncompletePayment:Steps:1:Delay"] = "02:00:00",
        ["Recovery:Flows:IncompletePayment:Steps:2:Delay"] = "04:00:00",
        ["Recovery:Flows:PostPurchase:ReviewRequestDelay"] = "1.00:00:00",
    };

    protected override void Configure(InProcessTestClusterBuilder builder)
    {
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "legacy-2026-11-25.db"), _database);

        // The rows belong to the product's service id.
        builder.Options.ServiceId = "recovery";
    }

    protected override void ConfigureStorage(ISiloBuilder silo)
    {
        var connectionString = $"Data Source={_database}";
        silo.AddAdoNetGrainStorage(RecoveryStorage.Name, options =>
        {
            options.Invariant = "System.Data.SQLite";
            options.ConnectionString = connectionString;
        });
        silo.Services.AddOptions<AdoNetGrainStorageOptions>(RecoveryStorage.Name)
            .Configure<Serializer>((options, serializer) => options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
        silo.UseAdoNetReminderService(options =>
        {
            options.Invariant = "System.Data.SQLite";
            options.ConnectionString = connectionString;
        });
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(_database);
    }
}

[Trait("Category", "Grains")]
public sealed class LegacyStateTests(LegacyStateFixture cluster) : IClassFixture<LegacyStateFixture>
{
    private static readonly string[] Shoppers =
        ["ana.sent@example.com", "ana.new@example.com", "ben.paying@example.com", "ben.new@example.com", "ben.delivered@example.com"];

    [Fact]
    public async Task FollowUpsStoredByTheVersionBeforeTheEngineGoOutOnceEachOnTime()
    {
        // Each hop reaches the next due time; the counts are the mails received since this file was written.
        await HopAsync(TimeSpan.FromSeconds(10), ("ana.new@example.com", 1), ("ben.new@example.com", 1));
        await HopAsync(TimeSpan.FromHours(1), ("ana.sent@example.com", 1), ("ana.new@example.com", 2));
        await HopAsync(TimeSpan.FromHours(1), ("ben.paying@example.com", 1), ("ben.new@example.com", 2));
        await HopAsync(TimeSpan.FromHours(1), ("ana.sent@example.com", 2), ("ana.new@example.com", 3));
        await HopAsync(TimeSpan.FromHours(1), ("ben.paying@example.com", 2), ("ben.new@example.com", 3));
        await HopAsync(TimeSpan.FromHours(20), ("ben.delivered@example.com", 1));

        // Three days on, past every step of the stored sequences, a cart abandoned then gets its reminder: anything the
        // stored state still owed, or sent twice, would have arrived before it.
        cluster.Advance(TimeSpan.FromDays(3));
        var later = new CartScenario(cluster);
        await later.PutAsync();
        await later.AdvanceUntilMailAsync(TimeSpan.FromHours(1));
        Assert.Equal([2, 3, 2, 3, 1], Shoppers.Select(to => cluster.Smtp.To(to).Count()));

        // What went out before the upgrade was not sent again: it is in the log once, beside what went out since.
        var sent = await cluster.Grains.GetGrain<ICartGrain>("legacy-cart-sent").GetViewAsync();
        Assert.Equal([1, 2, 3], sent!.Messages.Where(m => m.Status == MessageStatus.Sent).Select(m => m.Step));
        Assert.Null(sent.NextStep);
        var delivered = await cluster.Grains.GetGrain<IOrderGrain>("legacy-order-delivered").GetViewAsync();
        Assert.Equal(3, delivered!.Messages.Count(m => m.Status == MessageStatus.Sent));
        Assert.Empty(delivered.Pending);
        Assert.Equal(["review-request"], cluster.Smtp.To("ben.delivered@example.com").Select(m => m.Headers["List-Unsubscribe"] is null ? "notice" : "review-request"));
        Assert.All(Shoppers, to => Assert.Equal(0, cluster.Smtp.To(to).GroupBy(m => m.MessageId).Count(group => group.Count() > 1)));
    }

    private async Task HopAsync(TimeSpan by, params (string To, int Count)[] expected)
    {
        try
        {
            await cluster.AdvanceUntilAsync(
                by,
                () => Task.FromResult(expected.All(e => cluster.Smtp.To(e.To).Count() >= e.Count)),
                string.Join(", ", expected.Select(e => $"{e.Count} to {e.To}")));
        }
        catch (TimeoutException timeout)
        {
            // What each shopper got and what each grain still owes, to tell a slow machine from a lost follow-up.
            var carts = await Task.WhenAll(new[] { "legacy-cart-sent", "legacy-cart-new" }.Select(id => cluster.Grains.GetGrain<ICartGrain>(id).GetViewAsync()));
            var orders = await Task.WhenAll(new[] { "legacy-order-paying", "legacy-order-failed-new", "legacy-order-delivered" }.Select(id => cluster.Grains.GetGrain<IOrderGrain>(id).GetViewAsync()));
            throw new TimeoutException(
                $"{timeout.Message} at {cluster.Clock.GetUtcNow():O}; received: {string.Join(", ", Shoppers.Select(to => $"{to} {cluster.Smtp.To(to).Count()}"))}; " +
                $"carts: {string.Join("; ", carts.Select(c => $"{c!.CartId} next {c.NextStep} at {c.NextAttemptAt:O}, {string.Join(" ", c.Messages.Select(m => $"{m.Step}:{m.Status}:{m.Reason}"))}"))}; " +
                $"orders: {string.Join("; ", orders.Select(o => $"{o!.Order.OrderId} pending {string.Join(" ", o.Pending.Select(p => $"{p.Step}@{p.NextAttemptAt:O}"))}"))}",
                timeout);
        }
    }
}
