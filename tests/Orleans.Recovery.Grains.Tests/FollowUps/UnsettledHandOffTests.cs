using Microsoft.Extensions.DependencyInjection;
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
    /// <summary>Messages whose next report of an outcome is refused; each is refused once.</summary>
    public HashSet<string> RefuseNextSettle { get; } = [];

    protected override void ConfigureStorage(ISiloBuilder silo)
    {
        // Registered before the engine's own filters, so it runs outside them, as a failure on the way would.
        silo.Services.AddSingleton<IIncomingGrainCallFilter>(new RefuseSettle(RefuseNextSettle));
        base.ConfigureStorage(silo);
    }

    private sealed class RefuseSettle(HashSet<string> refuse) : IIncomingGrainCallFilter
    {
        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.ImplementationMethod?.Name == nameof(IFollowUpGrain.SettleAsync) && context.Request.GetArgument(0) is string messageId)
            {
                lock (refuse)
                {
                    if (refuse.Remove(messageId))
                    {
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
            cluster.RefuseNextSettle.Add(AbandonedCartPlan.MessageId(shopper.CartId, 0));
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
}
