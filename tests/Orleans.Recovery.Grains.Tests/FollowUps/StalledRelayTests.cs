using Orleans.Recovery.Carts;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Grains.Tests.Carts;
using Orleans.Recovery.Testing;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Grains.Tests.FollowUps;

/// <summary>A cluster whose mail goes through a relay that can stall, over one connection, with a short hand-off budget.</summary>
public sealed class StalledRelayFixture : ClusterFixture
{
    public StalledRelay Relay { get; } = new();

    protected override IReadOnlyDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Recovery:Smtp:Port"] = Relay.Port.ToString(),
        ["Recovery:Smtp:MaxConnections"] = "1",
        ["Recovery:Smtp:Timeout"] = "00:00:03",
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Relay.DisposeAsync();
    }
}

[Trait("Category", "Grains")]
public sealed class StalledRelayTests(StalledRelayFixture cluster) : IClassFixture<StalledRelayFixture>
{
    [Fact]
    public async Task AStalledRelaySendsNothingToShoppersWhoBoughtDuringTheStallAndEveryOtherMessageOnce()
    {
        cluster.Relay.Stall();
        var shoppers = Enumerable.Range(0, 20).Select(_ => new CartScenario(cluster)).ToList();
        foreach (var shopper in shoppers)
        {
            await shopper.PutAsync();
        }

        // All twenty fall due together and queue for the one connection, which the relay never greets.
        await cluster.AdvanceUntilAsync(
            TimeSpan.FromHours(1),
            async () => (await Task.WhenAll(shoppers.Select(s => s.ViewAsync()))).All(view => view.Messages.Any(m => m.Status == MessageStatus.Sending || m.Reason == SkipReason.TransientFailure)),
            "every cart's step claimed");
        await Eventually.TrueAsync(() => Task.FromResult(cluster.Relay.HeldConnections >= 1), what: "a connection held by the stalled relay");

        // During the stall, ten shoppers buy: five through their cart, five with the same items in another order,
        // which reaches their cart only through their customer. The storefront's calls return while the relay stalls.
        var buyers = shoppers.Take(10).ToList();
        foreach (var (buyer, index) in buyers.Select((buyer, index) => (buyer, index)))
        {
            Assert.True(await buyer.BuyAsync(index < 5 ? buyer.CartId : null));
        }

        Assert.True(cluster.Relay.IsStalled);
        Assert.Empty(cluster.Smtp.Messages);

        // The relay answers again: what is still owed goes out, once, whether its hand-off was waiting or had given up.
        cluster.Relay.Release(cluster.Smtp.Port);
        var others = shoppers.Skip(10).ToList();
        await cluster.AdvanceUntilAsync(TimeSpan.Zero, () => Task.FromResult(others.All(s => s.MailCount >= 1)), "a reminder to each shopper who did not buy");

        // Every cart settles the step it claimed, the buyers' as skipped: the relay takes a message before its hand-off
        // settles, so once none is still being sent, nothing held from the stall can reach a buyer any more.
        await cluster.AdvanceUntilAsync(
            TimeSpan.FromMinutes(30),
            async () => (await Task.WhenAll(shoppers.Select(s => s.ViewAsync()))).All(view => !view.Messages.IsEmpty && view.Messages.All(m => m.Status != MessageStatus.Sending)),
            "every claimed step settled");
        Assert.All(buyers, buyer => Assert.Equal(0, buyer.MailCount));

        // Their order confirmations, which waited out the stall too, went out once each.
        await Eventually.TrueAsync(() => Task.FromResult(buyers.All(buyer => cluster.Smtp.To(buyer.Email).Any())), what: "the buyers' confirmations");
        Assert.All(buyers, buyer => Assert.Single(cluster.Smtp.To(buyer.Email), m => m.Subject!.EndsWith("is confirmed")));
        Assert.All(others, other => Assert.Single(cluster.Smtp.To(other.Email)));
        foreach (var buyer in buyers)
        {
            var view = await buyer.ViewAsync();
            Assert.Equal(CartStatus.Purchased, view.Status);
            Assert.DoesNotContain(view.Messages, m => m.Status == MessageStatus.Sent);
        }
    }

    [Fact]
    public async Task ACartDeactivatedWhileItsStepWaitsForTheRelaySendsItOnce()
    {
        cluster.Relay.Stall();
        var shopper = new CartScenario(cluster);
        await shopper.PutAsync();
        await cluster.AdvanceUntilAsync(TimeSpan.FromHours(1), async () => (await shopper.ViewAsync()).Messages.Any(m => m.Status == MessageStatus.Sending), "the step claimed");
        await Eventually.TrueAsync(() => Task.FromResult(cluster.Relay.HeldConnections >= 1), what: "a connection held by the stalled relay");

        // The claim was granted and written by the customer alone; the cart goes (a silo shutting down would do the same).
        var management = cluster.Grains.GetGrain<Orleans.Runtime.IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);

        // The relay answers again: the step goes out, and past the end of its claim and a retry nothing goes out twice.
        cluster.Relay.Release(cluster.Smtp.Port);
        await shopper.AdvanceUntilLogAsync(TimeSpan.Zero, m => m.Step == 1 && m.Status == MessageStatus.Sent);
        cluster.Advance(TimeSpan.FromMinutes(10));
        await shopper.AdvanceUntilLogAsync(TimeSpan.FromHours(23), m => m.Step == 2 && m.Status == MessageStatus.Sent);
        Assert.Equal(2, shopper.MailCount);
        Assert.Single((await shopper.ViewAsync()).Messages, m => m.Step == 1 && m.Status == MessageStatus.Sent);
    }
}
