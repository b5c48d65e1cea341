using Orleans.Recovery.Carts;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Grains.Tests.Carts;
using Orleans.Recovery.Grains.Tests.Orders;
using Orleans.Recovery.Orders;
using Orleans.Recovery.Testing;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Grains.Tests.Flows;

/// <summary>
/// An operator's change to a flow reaches carts and orders already waiting. Each test puts the flow back, because the
/// flow is one grain for the whole cluster.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Grains")]
public sealed class FlowChangeTests(ClusterFixture cluster)
{
    private async Task<FlowDefinition> ChangeAsync(string flow, Action<FlowDefinition> change)
    {
        var grain = cluster.Grains.GetGrain<IFlowGrain>(flow);
        var definition = (await grain.GetAsync()).Definition.Clone();
        change(definition);
        Assert.Empty(await grain.ReplaceAsync(definition));
        return definition;
    }

    private Task ResetAsync(string flow) => cluster.Grains.GetGrain<IFlowGrain>(flow).ResetAsync();

    [Fact]
    public async Task AShorterDelayReachesACartAlreadyWaitingForTheLongerOne()
    {
        var shopper = new CartScenario(cluster);
        await shopper.PutAsync();
        var activity = (await shopper.ViewAsync()).LastActivityAt!.Value;
        Assert.Equal(activity + TimeSpan.FromHours(1), (await shopper.ViewAsync()).NextDueAt);

        try
        {
            await ChangeAsync(FlowNames.CartAbandonment, flow => flow.Steps[0].Delay = TimeSpan.FromMinutes(10));

            await Eventually.TrueAsync(async () => (await shopper.ViewAsync()).NextDueAt == activity + TimeSpan.FromMinutes(10), what: "the cart re-timed");
            await shopper.AdvanceUntilMailAsync(TimeSpan.FromMinutes(10));
            Assert.True(cluster.Clock.GetUtcNow() < activity + TimeSpan.FromMinutes(15), "the reminder went out on the new delay, not the old one");
        }
        finally
        {
            await ResetAsync(FlowNames.CartAbandonment);
        }
    }

    [Fact]
    public async Task AStepTheOperatorRemovedEndsTheSequenceWithTheReasonLogged()
    {
        var shopper = new CartScenario(cluster);
        await shopper.PutAsync();
        await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(1));
        await shopper.WaitForLogAsync(m => m.Step == 1 && m.Status == MessageStatus.Sent);

        try
        {
            await ChangeAsync(FlowNames.CartAbandonment, flow => flow.Steps.RemoveRange(1, 2));

            await shopper.WaitForLogAsync(m => m.Step == 2 && m.Status == MessageStatus.Skipped && m.Reason == SkipReason.StepRemoved);
            var view = await shopper.ViewAsync();
            Assert.Null(view.NextStep);
            await shopper.ReminderGoneAsync();

            // Past when the removed steps were due, a cart abandoned then gets the flow's one step: the removed ones,
            // had anything kept them, would have reached the shopper before it.
            cluster.Advance(TimeSpan.FromDays(3));
            var later = new CartScenario(cluster);
            await later.PutAsync();
            await later.AdvanceUntilMailAsync(TimeSpan.FromHours(1));
            Assert.Equal(1, shopper.MailCount);
        }
        finally
        {
            await ResetAsync(FlowNames.CartAbandonment);
        }
    }

    [Fact]
    public async Task AShorterReviewRequestDelayReachesAnOrderAlreadyDelivered()
    {
        var shopper = new OrderScenario(cluster);
        await shopper.PlaceAsync();
        await shopper.WaitForMailAsync(1);
        var deliveredAt = cluster.Clock.GetUtcNow();
        Assert.Equal(OrderEventOutcome.Recorded, await shopper.Order.DeliveredAsync(deliveredAt));
        await shopper.WaitForMailAsync(2);

        try
        {
            await ChangeAsync(FlowNames.PostPurchase, flow => flow.Step(PostPurchaseSteps.ReviewRequest)!.Delay = TimeSpan.FromHours(6));

            await Eventually.TrueAsync(
                async () => (await shopper.ViewAsync()).Pending.Single().DueAt == deliveredAt + TimeSpan.FromHours(6),
                what: "the review request re-timed");
            var review = (await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(6), 3))[2];
            Assert.Equal("Ana, how was your Kaffee & Co order " + shopper.OrderId + "?", review.Subject);
            Assert.True(cluster.Clock.GetUtcNow() < deliveredAt + TimeSpan.FromHours(7), "the review request went out on the new delay, not after 3 days");
        }
        finally
        {
            await ResetAsync(FlowNames.PostPurchase);
        }
    }

    [Fact]
    public async Task ACustomerKeepsTheVariantFirstAssignedWhenTheWeightsChange()
    {
        try
        {
            // Only "calm" exists: the first customer gets it.
            await ChangeAsync(FlowNames.CartAbandonment, flow => flow.Steps[0].Variants =
                [new StepVariant { Name = "calm", Weight = 1, Subject = "{{ firstName }}, your cart is saved" }]);
            var loyal = new CartScenario(cluster);
            await loyal.PutAsync();
            Assert.Equal("Ana, your cart is saved", (await loyal.AdvanceUntilMailAsync(TimeSpan.FromHours(1)))[0].Subject);

            // Now "urgent" outweighs "calm" 1000 to 1: newcomers get it, the first customer keeps "calm".
            await ChangeAsync(FlowNames.CartAbandonment, flow => flow.Steps[0].Variants =
            [
                new StepVariant { Name = "calm", Weight = 1, Subject = "{{ firstName }}, your cart is saved" },
                new StepVariant { Name = "urgent", Weight = 1000, Subject = "{{ firstName }}, your cart is about to go" },
            ]);
            var again = cluster.Grains.GetGrain<ICartGrain>($"cart-{Guid.NewGuid():N}");
            await again.UpdateAsync(loyal.Snapshot() with { RestoreUrl = "https://shop.test/cart/again" });
            var newcomers = new[] { new CartScenario(cluster), new CartScenario(cluster) };
            foreach (var newcomer in newcomers)
            {
                await newcomer.PutAsync();
            }

            await cluster.AdvanceUntilAsync(
                TimeSpan.FromHours(1),
                () => Task.FromResult(loyal.MailCount == 2 && newcomers.All(n => n.MailCount == 1)),
                "the second cart's reminder and the newcomers'");
            Assert.Equal("Ana, your cart is saved", loyal.Sent.Last().Subject);
            Assert.Equal("calm", (await again.GetViewAsync())!.Messages.Single(m => m.Status == MessageStatus.Sent).Variant);

            // Each newcomer draws "calm" with odds of 1 in 1001; both doing so would be one in a million.
            Assert.Contains(newcomers, n => n.Sent.Single().Subject == "Ana, your cart is about to go");
        }
        finally
        {
            await ResetAsync(FlowNames.CartAbandonment);
        }
    }
}
