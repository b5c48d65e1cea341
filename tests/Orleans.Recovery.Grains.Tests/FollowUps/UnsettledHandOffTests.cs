using Microsoft.Extensions.DependencyInjection;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Grains.Tests.Carts;

namespace Orleans.Recovery.Grains.Tests.FollowUps;

/// <summary>
/// A cluster whose first report of a delivery back to its cart is lost on the way, before the cart sees it: the call
/// fails as one to a silo that is busy or reconfiguring does, outside the grain.
/// </summary>
public sealed class LostSettleClusterFixture : ClusterFixture
{
    /// <summary>Messages whose next reports of an outcome are refused, and how many of them.</summary>
    public Dictionary<string, int> RefuseNextSettle { get; } = [];

    protected override void ConfigureStorage(ISiloBuilder silo)
    {
        // Registered before the engine's own filters, so it runs outside them, as a failure on the way would.
        silo.Services.AddSingleton<IIncomingGrainCallFilter>(new RefuseSettle(RefuseNextSettle));
        base.ConfigureStorage(silo);
    }

    private sealed class RefuseSettle(Dictionary<string, int> refuse) : IIncomingGrainCallFilter
    {
        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.ImplementationMethod?.Name == nameof(IFollowUpGrain.SettleAsync) && context.Request.GetArgument(0) is string messageId)
            {
                lock (refuse)
                {
                    if (refuse.TryGetValue(messageId, out var left) && left > 0)
                    {
                        refuse[messageId] = left - 1;
                        throw new TimeoutException("The test lost this report on the way.");
                    }
                }
            }

            return context.Invoke();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class LostSettleCollection : ICollectionFixture<LostSettleClusterFixture>
{
    public const string Name = "lost-settle";
}

[Collection(LostSettleCollection.Name)]
[Trait("Category", "Grains")]
public sealed class UnsettledHandOffTests(LostSettleClusterFixture cluster)
{
    [Fact]
    public async Task ADeliveryWhoseReportWasLostIsRecordedSentOnTheNextTickAndNeverSentAgain()
    {
        var shopper = new CartScenario(cluster);
        lock (cluster.RefuseNextSettle)
        {
            cluster.RefuseNextSettle[AbandonedCartPlan.MessageId(shopper.CartId, 0)] = 1;
        }

        await shopper.PutAsync();
        await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(1));

        // The relay has the message; the cart never heard. Its next tick records it sent and plans the second step.
        await shopper.AdvanceUntilLogAsync(FollowUpReminder.Tick, m => m.Step == 1 && m.Status == MessageStatus.Sent);
        var view = await shopper.ViewAsync();
        Assert.Equal(2, view.NextStep);

        // The second step arrives in its turn, and the first never went twice.
        var sent = await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(23), 2);
        Assert.Equal(2, sent.Count);
        Assert.Single(sent, m => m.Subject!.Contains("did something go wrong"));
    }

    [Fact]
    public async Task ADeliveryReportedToAnActivationThatNeverSawItsClaimIsRecordedSentAndNeverSentAgain()
    {
        // A marketing claim is written by the customer (its grant); the cart writes it with the settle. Should the cart's
        // activation go before writing it, the next one knows the step as unclaimed when the mail grain's report comes.
        var shopper = new CartScenario(cluster);
        await shopper.PutAsync();
        var messageId = AbandonedCartPlan.MessageId(shopper.CartId, 0);
        await shopper.Cart.AsReference<IFollowUpGrain>().SettleAsync(messageId, 1, new DeliveryResult(DeliveryOutcome.Delivered));

        await shopper.WaitForLogAsync(m => m.Step == 1 && m.Status == MessageStatus.Sent);
        Assert.Equal(2, (await shopper.ViewAsync()).NextStep);

        // Step 1's time passes and step 2 comes in its turn: step 1 is never sent by the engine itself.
        var sent = await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(24), 1);
        Assert.Contains("still waiting", Assert.Single(sent).Subject);
    }

    [Fact]
    public async Task AnOutcomeRefusedAgainAndAgainIsReportedUntilTakenAndTheMessageIsNeverSentTwice()
    {
        var shopper = new CartScenario(cluster);
        var first = AbandonedCartPlan.MessageId(shopper.CartId, 0);
        lock (cluster.RefuseNextSettle)
        {
            cluster.RefuseNextSettle[first] = 4;
        }

        await shopper.PutAsync();
        await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(1));

        // The mail grain's report and three reports after it are refused; the claim holds the message meanwhile, and
        // the fifth report, ten seconds of the clock later each, records it sent.
        await cluster.AdvanceUntilAsync(
            TimeSpan.Zero,
            async () => (await shopper.ViewAsync()).Messages.Any(m => m.Step == 1 && m.Status == MessageStatus.Sent),
            "step 1 recorded sent",
            period: UnsettledHandOffs.RetryPeriod);
        lock (cluster.RefuseNextSettle)
        {
            Assert.Equal(0, cluster.RefuseNextSettle[first]);
        }

        var sent = await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(23), 2);
        Assert.Equal(2, sent.Count);
        Assert.Single(sent, m => m.Subject!.Contains("did something go wrong"));
        Assert.Single((await shopper.ViewAsync()).Messages, m => m.Step == 1 && m.Status == MessageStatus.Sent);
    }
}
