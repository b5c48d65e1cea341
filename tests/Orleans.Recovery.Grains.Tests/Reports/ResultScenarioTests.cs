using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Orders;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Grains.Tests.Reports;

/// <summary>
/// Shoppers going through the flows, clicking and buying, and the stats the ledger gives for it, exactly. Each scenario
/// runs on a cluster and ledger of its own; the same scenarios run with the ledger on SQLite and on PostgreSQL.
/// </summary>
public abstract class ResultScenarioTests(PostgresServerFixture? postgres) : IAsyncLifetime
{
    private const decimal OrderTotal = 49.78m;
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    private readonly List<LedgerCluster> _clusters = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var cluster in _clusters)
        {
            await cluster.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("Click")]
    [InlineData("Send")]
    public async Task OrdersAreCreditedToTheLastClickOrSendWithinTheWindowAndNoLaterOrder(string model)
    {
        var cluster = await StartAsync(("Recovery:Attribution:Model", model));
        Shopper a = new(cluster), b = new(cluster), c = new(cluster);
        Shopper[] all = [a, b, c];
        foreach (var shopper in all)
        {
            await shopper.PutAsync();
        }

        await MailAsync(cluster, Hour, all, 1);
        await a.ClickAsync(1);
        await b.ClickAsync(1);
        await MailAsync(cluster, 23 * Hour, all, 2);

        // a buys a day after clicking step 1, right after step 2 went out; c two days in, never having clicked; b
        // eight days after its click and six after its last mail: outside the five-day window either way.
        await a.BuyAsync();
        cluster.Advance(Day);
        await c.BuyAsync();
        await MailAsync(cluster, Day, [b], 3);
        cluster.Advance(6 * Day);
        await b.BuyAsync();

        var cart = (await cluster.StatsAsync())[FlowNames.CartAbandonment];
        Assert.Equal(3, cart.Entered);
        Assert.Equal(2 + 3 + 2, cart.Sent);
        Assert.Equal(new Dictionary<string, long> { [SkipReason.Purchased] = 2 }, cart.Skipped);
        Assert.Equal(2, cart.Clicked);
        Assert.Equal(3, cart.Holdout.TreatedEntered);
        Assert.Equal(2, cart.Holdout.TreatedConverted);
        Assert.Equal(0, cart.Holdout.Entered);
        var steps = cart.Steps.ToDictionary(step => step.Step);
        Assert.Equal((3, 3, 1), (steps[1].Sent, steps[2].Sent, steps[3].Sent));
        Assert.Equal(2, steps[1].Clicked);
        if (model == "Click")
        {
            // Only a clicked within the window: credited to the step it clicked.
            Assert.Equal(1, cart.Recovered);
            Assert.Equal([new CurrencyAmount("EUR", OrderTotal)], cart.Revenue);
            Assert.Equal((1, 0), (steps[1].Recovered, steps[2].Recovered));
            Assert.Equal(1 / 3d, cart.RecoveryRate);
        }
        else
        {
            // a and c were sent step 2 within five days of buying; b's last mail was six days before.
            Assert.Equal(2, cart.Recovered);
            Assert.Equal([new CurrencyAmount("EUR", 2 * OrderTotal)], cart.Revenue);
            Assert.Equal((0, 2), (steps[1].Recovered, steps[2].Recovered));
            Assert.Equal(2 / 3d, cart.RecoveryRate);
        }

        var leads = await cluster.LeadsAsync();
        Assert.Equal(new[] { a.CartId, b.CartId, c.CartId }.Order(StringComparer.Ordinal), leads.Select(lead => lead.Id).Order(StringComparer.Ordinal));
        Assert.All(leads, lead => Assert.Equal(LeadStatus.Recovered, lead.Status));
        Assert.Equal(3, leads.Single(lead => lead.Id == b.CartId).StepsSent);
    }

    [Fact]
    public async Task AnOrderBeforeAnySendIsNotRecoveredAndAnOrderReportedTwiceCountsOnce()
    {
        var cluster = await StartAsync();
        Shopper early = new(cluster), twice = new(cluster);
        await early.PutAsync();
        await twice.PutAsync();
        cluster.Advance(Hour / 2);
        await early.BuyAsync();
        await MailAsync(cluster, Hour / 2, [twice], 1);
        await twice.ClickAsync(1);
        cluster.Advance(Hour);
        var order = twice.Order();
        var grain = cluster.Grains.GetGrain<IOrderGrain>(order.OrderId);
        Assert.True(await grain.PlaceAsync(order));
        Assert.False(await grain.PlaceAsync(order));
        await Eventually.TrueAsync(() => early.AllMailCount == 1 && twice.AllMailCount == 2, what: "a confirmation of each order");

        var stats = await cluster.StatsAsync();
        var cart = stats[FlowNames.CartAbandonment];
        Assert.Equal(1, cart.Entered);
        Assert.Equal(1, cart.Sent);
        Assert.Equal(new Dictionary<string, long> { [SkipReason.Purchased] = 2 }, cart.Skipped);
        Assert.Equal(1, cart.Recovered);
        Assert.Equal([new CurrencyAmount("EUR", OrderTotal)], cart.Revenue);

        // Both orders got their confirmation: transactional, so neither credits anything.
        Assert.Equal(2, stats[FlowNames.PostPurchase].Sent);
        Assert.Equal(0, stats[FlowNames.PostPurchase].Recovered);
        Assert.Equal([twice.CartId], (await cluster.LeadsAsync()).Select(lead => lead.Id));
    }

    [Fact]
    public async Task WhenTwoFlowsCompeteForAnOrderTheLastTouchWins()
    {
        var cluster = await StartAsync();
        var shopper = new Shopper(cluster);
        await shopper.PutAsync();
        await MailAsync(cluster, Hour, [shopper], 1);
        await shopper.ClickAsync(1);
        cluster.Advance(Hour);

        // The order's payment fails: the cart is bought, the payment reminders start; the first one goes out a day later.
        var order = await shopper.BuyAsync(PaymentStatus.Failed);
        var grain = cluster.Grains.GetGrain<IOrderGrain>(order.OrderId);
        Assert.Equal(OrderEventOutcome.Recorded, await grain.PaymentFailedAsync(PaymentFailureReason.Declined, "https://shop.test/pay"));
        await cluster.AdvanceUntilAsync(Day, async () => (await grain.GetViewAsync())!.Messages.Any(m => m.Flow == FlowNames.IncompletePayment && m.Status == MessageStatus.Sent), "the first payment reminder sent");
        Assert.Equal(2, shopper.MailCount);
        cluster.Advance(Hour);
        Assert.Equal(OrderEventOutcome.Recorded, await grain.PaymentSucceededAsync());

        var stats = await cluster.StatsAsync();
        var cart = stats[FlowNames.CartAbandonment];
        var payment = stats[FlowNames.IncompletePayment];
        Assert.Equal((1, 1, 1, 0), (cart.Entered, cart.Sent, cart.Clicked, cart.Recovered));
        Assert.Equal((1, 1, 1), (payment.Entered, payment.Sent, payment.Recovered));
        Assert.Equal([new CurrencyAmount("EUR", OrderTotal)], payment.Revenue);
        Assert.Empty(cart.Revenue);
        Assert.Equal(new Dictionary<string, long> { [SkipReason.PaymentSucceeded] = 1 }, payment.Skipped);

        var failed = Assert.Single(await cluster.Query<FailedPaymentsQuery>().FailedPaymentsAsync(LedgerCluster.Today, LedgerCluster.Today.AddDays(2), cluster.Clock.GetUtcNow(), CancellationToken.None));
        Assert.Equal(("declined", 1, LeadStatus.Recovered, IncompletePaymentPlan.MessageId(order.OrderId, 0)), (failed.Reason, failed.RemindersSent, failed.Status, failed.RecoveredBy));
    }

    [Fact]
    public async Task HalfHeldOutLandsWithinItsBinomialBoundsSkipsEveryHeldOutStepAndShowsTheLift()
    {
        var cluster = await StartAsync(("Recovery:Flows:CartAbandonment:Holdout", "0.5"));
        // Fixed addresses, so the draw is the same on every run: bounds over random ones fail by design now and then.
        var shoppers = Enumerable.Range(0, 300).Select(i => new Shopper(cluster, $"holdout-{i:D3}@example.test")).ToList();
        await Task.WhenAll(shoppers.Select(shopper => shopper.PutAsync()));
        var held = shoppers.Where(s => Holdout.IsHeldOut(FlowNames.CartAbandonment, s.CustomerKey, 0.5)).ToList();
        var treated = shoppers.Except(held).ToList();

        // Binomial(300, 0.5): 150 ± 3 standard deviations (8.7 each).
        Assert.InRange(held.Count, 124, 176);
        foreach (var (step, gap) in new[] { (1, Hour), (2, 23 * Hour), (3, 48 * Hour) })
        {
            await cluster.AdvanceUntilAsync(gap, async () =>
                treated.All(s => s.MailCount == step) && (await Task.WhenAll(held.Select(s => s.ViewAsync()))).All(v => v.Messages.Count(m => m.Reason == SkipReason.Holdout) == step),
                $"step {step} sent to every treated shopper and held out for every other");
        }

        // An hour after the last step, every other treated shopper buys and every fourth held-out one.
        cluster.Advance(Hour);
        var treatedBuyers = treated.Where((_, i) => i % 2 == 0).ToList();
        var heldBuyers = held.Where((_, i) => i % 4 == 0).ToList();
        foreach (var shopper in treatedBuyers.Concat(heldBuyers))
        {
            await shopper.BuyAsync();
        }

        var cart = (await cluster.StatsAsync())[FlowNames.CartAbandonment];
        Assert.Equal(300, cart.Entered);
        Assert.Equal(3 * treated.Count, cart.Sent);
        Assert.Equal(new Dictionary<string, long> { [SkipReason.Holdout] = 3 * held.Count }, cart.Skipped);
        Assert.Equal((held.Count, heldBuyers.Count), (cart.Holdout.Entered, cart.Holdout.Converted));
        Assert.Equal((treated.Count, treatedBuyers.Count), (cart.Holdout.TreatedEntered, cart.Holdout.TreatedConverted));
        var lift = new Lift(treated.Count, treatedBuyers.Count, held.Count, heldBuyers.Count);
        Assert.Equal(lift.Difference!.Value, cart.Holdout.Lift!.Value, 12);
        Assert.Equal([lift.Interval95!.Value.Low, lift.Interval95.Value.High], cart.Holdout.Ci95!);
        Assert.True(cart.Holdout.Ci95![0] > 0, "half of those mailed bought against a quarter of the others: the interval lies above zero");
        Assert.Equal(lift.IncrementalOrders!.Value, cart.Holdout.IncrementalOrders!.Value, 9);
        var perEntry = OrderTotal * treatedBuyers.Count / treated.Count - OrderTotal * heldBuyers.Count / held.Count;
        Assert.Equal([new CurrencyAmount("EUR", Math.Round(perEntry * treated.Count, 2))], cart.Holdout.IncrementalRevenue);
    }

    [Fact]
    public async Task AVariantThatConvertsClearlyBetterIsAlmostSurelyBest()
    {
        var cluster = await StartAsync(
            ("Recovery:Flows:CartAbandonment:Steps:0:Variants:0:Name", "plain"),
            ("Recovery:Flows:CartAbandonment:Steps:0:Variants:1:Name", "urgent"),
            ("Recovery:Flows:CartAbandonment:Steps:0:Variants:1:Subject", "{{ firstName }}, your cart is about to expire"));
        var shoppers = Enumerable.Range(0, 400).Select(_ => new Shopper(cluster)).ToList();
        await Task.WhenAll(shoppers.Select(shopper => shopper.PutAsync()));
        await MailAsync(cluster, Hour, shoppers, 1);

        // Of those who got "urgent", every fourth clicks and buys; of those who got "plain", every twentieth.
        var got = new Dictionary<string, List<Shopper>> { ["plain"] = [], ["urgent"] = [] };
        foreach (var shopper in shoppers)
        {
            got[(await shopper.ViewAsync()).Messages.Single(m => m.Status == MessageStatus.Sent).Variant!].Add(shopper);
        }

        var buyers = got["urgent"].Where((_, i) => i % 4 == 0).Concat(got["plain"].Where((_, i) => i % 20 == 0)).ToList();
        foreach (var shopper in buyers)
        {
            await shopper.ClickAsync(1);
            await shopper.BuyAsync();
        }

        var step = (await cluster.StatsAsync())[FlowNames.CartAbandonment].Steps.Single(s => s.Step == 1);
        var variants = step.Variants.ToDictionary(v => v.Variant);
        foreach (var (name, group) in got)
        {
            var bought = group.Count(buyers.Contains);
            Assert.Equal((group.Count, bought, bought), (variants[name].Sent, variants[name].Clicked, variants[name].Recovered));
            Assert.Equal([new CurrencyAmount("EUR", bought * OrderTotal)], variants[name].Revenue);
        }

        Assert.True(variants["urgent"].ProbabilityBest > 0.95, $"urgent is best with probability {variants["urgent"].ProbabilityBest}");
        Assert.Equal(1, variants["urgent"].ProbabilityBest!.Value + variants["plain"].ProbabilityBest!.Value, 6);
        Assert.False(step.TooFewToCall);
    }

    [Fact]
    public async Task OurCouponsDiscountIsReportedBesideTheRevenueAndLeadsEndLostOrUnsubscribed()
    {
        var cluster = await StartAsync();
        Shopper buyer = new(cluster), lapsed = new(cluster), leaver = new(cluster);
        Shopper[] all = [buyer, lapsed, leaver];
        foreach (var shopper in all)
        {
            await shopper.PutAsync();
        }

        await MailAsync(cluster, Hour, all, 1);
        await MailAsync(cluster, 23 * Hour, all, 2);
        await MailAsync(cluster, 48 * Hour, all, 3);

        // Step 3 carries a single-use 10 % code: the buyer clicks it, orders and redeems it; the leaver unsubscribes.
        var code = (await buyer.ViewAsync()).Messages.Single(m => m.Step == 3 && m.Status == MessageStatus.Sent).CouponCode!;
        await buyer.ClickAsync(3);
        var order = await buyer.BuyAsync();
        Assert.Equal(Orleans.Recovery.Coupons.RedeemOutcome.Redeemed, (await cluster.Grains.GetGrain<Orleans.Recovery.Coupons.ICouponGrain>(code).RedeemAsync(order.OrderId)).Outcome);
        await cluster.Grains.GetGrain<Orleans.Recovery.Customers.ICustomerGrain>(leaver.CustomerKey).UnsubscribeAsync();

        var cart = (await cluster.StatsAsync())[FlowNames.CartAbandonment];
        Assert.Equal([new CurrencyAmount("EUR", OrderTotal)], cart.Revenue);
        Assert.Equal([new CurrencyAmount("EUR", 4.49m)], cart.Discounts);
        Assert.Equal((1, 1), (cart.Steps.Single(s => s.Step == 3).Recovered, cart.Recovered));
        Assert.Equal(3, cart.Steps.Single(s => s.Step == 3).Sent);

        var leads = (await cluster.LeadsAsync()).ToDictionary(lead => lead.Id);
        Assert.Equal((LeadStatus.Recovered, order.OrderId, code), (leads[buyer.CartId].Status, leads[buyer.CartId].RecoveredOrderId, leads[buyer.CartId].CouponCode));
        Assert.Equal(LeadStatus.Open, leads[lapsed.CartId].Status);
        Assert.Equal(LeadStatus.Unsubscribed, leads[leaver.CartId].Status);

        // Recovery:Leads:LostAfter (30 days) after its sequence ended, a lead no order came for is lost.
        cluster.Advance(TimeSpan.FromDays(30));
        leads = (await cluster.LeadsAsync()).ToDictionary(lead => lead.Id);
        Assert.Equal((LeadStatus.Recovered, LeadStatus.Lost, LeadStatus.Unsubscribed), (leads[buyer.CartId].Status, leads[lapsed.CartId].Status, leads[leaver.CartId].Status));
        Assert.Equal([lapsed.CartId], (await cluster.LeadsAsync(LeadStatus.Lost)).Select(lead => lead.Id));
    }

    [Fact]
    public async Task ACrashMidFlushNeitherLosesNorDoublesARow()
    {
        var cluster = await StartAsync();
        var writes = 0;

        // Every second transaction dies before its commit, every third right after it, before the grains hear of it.
        // Transactions start as soon as a grain's entries are queued, so the scenario's few seconds hold several.
        cluster.LedgerWriter.Linger = TimeSpan.Zero;
        cluster.LedgerWriter.BeforeCommit = _ => Interlocked.Increment(ref writes) % 2 == 0 ? throw new IOException("killed before the commit") : Task.CompletedTask;
        cluster.LedgerWriter.AfterCommit = _ => writes % 3 == 0 ? throw new IOException("killed after the commit") : Task.CompletedTask;
        Shopper early = new(cluster), clicked = new(cluster), ignored = new(cluster);
        foreach (var shopper in new[] { early, clicked, ignored })
        {
            await shopper.PutAsync();
        }

        cluster.Advance(Hour / 2);
        await early.BuyAsync();
        await MailAsync(cluster, Hour / 2, [clicked, ignored], 1);
        await clicked.ClickAsync(1);
        await clicked.BuyAsync();
        await MailAsync(cluster, Day, [ignored], 2);
        cluster.LedgerWriter.BeforeCommit = null;
        cluster.LedgerWriter.AfterCommit = null;
        await MailAsync(cluster, 2 * Day, [ignored], 3);

        // The last grain to finish keeps a reminder until the ledger has its entries; a minute or two lets it come back.
        await cluster.AdvanceUntilAsync(TimeSpan.FromMinutes(1), async () =>
        {
            var stats = await cluster.StatsAsync();
            return stats[FlowNames.CartAbandonment].Sent == 4 && await cluster.RemindersOfAsync(cluster.Grains.GetGrain<Orleans.Recovery.Carts.ICartGrain>(ignored.CartId)) == 0;
        }, "every entry in the ledger and no reminder left");

        Assert.True(writes > 6, $"faults were injected into {writes} transactions");
        var cart = (await cluster.StatsAsync())[FlowNames.CartAbandonment];
        Assert.Equal((2, 4, 1, 1), (cart.Entered, cart.Sent, cart.Clicked, cart.Recovered));
        Assert.Equal(new Dictionary<string, long> { [SkipReason.Purchased] = 2 }, cart.Skipped);
        Assert.Equal(1 + 2 + 3, cart.Steps.Sum(step => step.Planned));
        Assert.Equal([new CurrencyAmount("EUR", OrderTotal)], cart.Revenue);
        Assert.Equal(2, (await cluster.StatsAsync())[FlowNames.PostPurchase].Sent);
    }

    private async Task<LedgerCluster> StartAsync(params (string Key, string? Value)[] settings)
    {
        var cluster = new LedgerCluster(await LedgerCluster.NewLedgerAsync(postgres?.Server), settings.ToDictionary(s => s.Key, s => s.Value));
        _clusters.Add(cluster);
        await cluster.InitializeAsync();
        return cluster;
    }

    /// <summary>Moves the clock until each shopper got <paramref name="count"/> recovery emails, and their carts logged them sent.</summary>
    private static async Task MailAsync(LedgerCluster cluster, TimeSpan by, IReadOnlyCollection<Shopper> shoppers, int count)
    {
        // Hundreds of shoppers take longer to mail when the suite's other collections run beside them: the wait grows
        // with their number (what is checked is that each gets its mail, not how fast).
        await cluster.AdvanceUntilAsync(
            by, () => Task.FromResult(shoppers.All(shopper => shopper.MailCount >= count)), $"{count} recovery email(s) to each of {shoppers.Count}", maxPeriods: 30 + shoppers.Count / 5);

        // The relay has a message a moment before the cart hears back; the next jump of the clock waits for that.
        await Eventually.TrueAsync(async () => (await Task.WhenAll(shoppers.Select(shopper => shopper.ViewAsync())))
            .All(view => view.Messages.Count(m => m.Status == MessageStatus.Sent) >= count), what: $"{count} sent entries in each cart's log");
    }
}

[Collection(ResultsCollection.Name)]
[Trait("Category", "Grains")]
public sealed class ResultScenariosOnSqliteTests() : ResultScenarioTests(null);

[Collection(ResultsCollection.Name)]
public sealed class ResultScenariosOnPostgreSqlTests(PostgresServerFixture postgres) : ResultScenarioTests(postgres);

/// <summary>A real PostgreSQL server for the scenarios that keep their ledger there.</summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>The results scenarios each start a cluster; one at a time, beside the other grain tests.</summary>
[CollectionDefinition(Name)]
public sealed class ResultsCollection : ICollectionFixture<PostgresServerFixture>
{
    public const string Name = "results";
}
