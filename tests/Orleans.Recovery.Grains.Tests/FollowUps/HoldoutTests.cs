using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Grains.Tests.Carts;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Grains.Tests.FollowUps;

/// <summary>A flow's control group: held-out customers get none of its marketing mail, and the log says why.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Grains")]
public sealed class HoldoutTests(ClusterFixture cluster)
{
    [Fact]
    public async Task HeldOutShoppersGetNoMailFromTheFlowAndEveryStepTheyWouldHaveHadIsLoggedAsHoldout()
    {
        var flows = cluster.Grains.GetGrain<IFlowGrain>(FlowNames.CartAbandonment);
        var definition = (await flows.GetAsync()).Definition.Clone();
        definition.Holdout = 0.5;
        Assert.Empty(await flows.ReplaceAsync(definition));
        try
        {
            var shoppers = Enumerable.Range(0, 24).Select(_ => new CartScenario(cluster)).ToList();
            foreach (var shopper in shoppers)
            {
                await shopper.PutAsync();
            }

            var held = shoppers.Where(s => Holdout.IsHeldOut(FlowNames.CartAbandonment, TestCustomerKeys.Of(s.Customer.Email), 0.5)).ToList();
            var treated = shoppers.Except(held).ToList();
            Assert.NotEmpty(held);
            Assert.NotEmpty(treated);

            // Step by step, as a real clock would: each step is planned from the one before it.
            foreach (var (step, gap) in new[] { (1, TimeSpan.FromHours(1)), (2, TimeSpan.FromHours(23)), (3, TimeSpan.FromHours(48)) })
            {
                await cluster.AdvanceUntilAsync(gap, async () =>
                {
                    foreach (var shopper in held)
                    {
                        if ((await shopper.ViewAsync()).Messages.Count(m => m.Reason == SkipReason.Holdout) < step)
                        {
                            return false;
                        }
                    }

                    return treated.All(shopper => shopper.MailCount == step);
                }, $"reminder {step} to each treated shopper and a holdout entry for each held-out one");
            }

            Assert.All(held, shopper => Assert.Equal(0, shopper.MailCount));
            foreach (var shopper in held)
            {
                var view = await shopper.ViewAsync();
                Assert.Equal([1, 2, 3], view.Messages.Where(m => m.Status == MessageStatus.Skipped && m.Reason == SkipReason.Holdout).Select(m => m.Step));
                Assert.DoesNotContain(view.Messages, m => m.Status == MessageStatus.Sent);
            }

            foreach (var shopper in treated)
            {
                Assert.DoesNotContain((await shopper.ViewAsync()).Messages, m => m.Reason == SkipReason.Holdout);
            }
        }
        finally
        {
            await flows.ResetAsync();
        }
    }
}
