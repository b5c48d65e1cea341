using Orleans.Recovery.Testing;
using Orleans.Recovery.Customers;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Grains.Tests.Carts;
using SmtpServer.Protocol;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Grains.Tests.FollowUps;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Grains")]
public sealed class FrequencyCapTests(ClusterFixture cluster)
{
    [Fact]
    public async Task APlaceUnderTheCapIsGivenBackWhenItsStepExpiresWithoutGoingOut()
    {
        var shopper = new CartScenario(cluster);
        var customer = cluster.Grains.GetGrain<ICustomerGrain>(TestCustomerKeys.Of(shopper.Customer.Email));
        var first = $"{shopper.CartId}/cart-abandonment/1";
        cluster.Smtp.RecipientRule = to => to == shopper.Email ? new SmtpResponse((SmtpReplyCode)451, "4.3.0 Try again later") : null;
        try
        {
            await shopper.PutAsync();
            await shopper.AdvanceUntilLogAsync(TimeSpan.FromHours(1), m => m.Step == 1 && m.Reason == SkipReason.TransientFailure);
            Assert.Contains((await customer.GetViewAsync()).RecentMarketingSends, send => send.MessageId == first);

            // A relay that keeps saying "later" past the step's expiry: the step is skipped, and its place freed.
            await shopper.AdvanceUntilLogAsync(TimeSpan.FromHours(25), m => m.Step == 1 && m.Reason == SkipReason.Expired);
            Assert.DoesNotContain((await customer.GetViewAsync()).RecentMarketingSends, send => send.MessageId == first);
        }
        finally
        {
            cluster.Smtp.RecipientRule = _ => null;
        }
    }

    [Fact]
    public async Task APlaceUnderTheCapIsGivenBackWhenThePurchaseWithdrawsAStepThatWasRetrying()
    {
        var shopper = new CartScenario(cluster);
        var customer = cluster.Grains.GetGrain<ICustomerGrain>(TestCustomerKeys.Of(shopper.Customer.Email));
        cluster.Smtp.RecipientRule = to => to == shopper.Email ? new SmtpResponse((SmtpReplyCode)451, "4.3.0 Try again later") : null;
        try
        {
            await shopper.PutAsync();
            await shopper.AdvanceUntilLogAsync(TimeSpan.FromHours(1), m => m.Step == 1 && m.Reason == SkipReason.TransientFailure);
            Assert.Single((await customer.GetViewAsync()).RecentMarketingSends);

            await shopper.BuyAsync(shopper.CartId);
            Assert.Empty((await customer.GetViewAsync()).RecentMarketingSends);
            Assert.Contains((await shopper.ViewAsync()).Messages, m => m.Step == 1 && m.Reason == SkipReason.Purchased);
        }
        finally
        {
            cluster.Smtp.RecipientRule = _ => null;
        }
    }
}
