using Orleans.Recovery.Carts;
using Orleans.Recovery.Customers;
using Orleans.Recovery.FollowUps;

namespace Orleans.Recovery.Grains.Tests.Carts;

/// <summary>A contact captured at checkout step 1, before the shop reports the items, and the items reported without a contact.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Grains")]
public sealed class CaptureTests(ClusterFixture cluster)
{
    [Fact]
    public async Task ItemsReportedAfterTheCaptureGetTheirReminderToTheCapturedAddress()
    {
        var shopper = new CartScenario(cluster);
        await shopper.Cart.CaptureAsync(shopper.Customer with { LastName = null }, consent: null);
        Assert.Equal(CartStatus.Unknown, (await shopper.ViewAsync()).Status);

        Assert.True(await shopper.Cart.UpdateContentsAsync(Contents(shopper)));
        var mail = (await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(1)))[0];
        Assert.StartsWith("Ana, ", mail.Subject);
    }

    [Fact]
    public async Task ItemsReportedBeforeTheCaptureWaitForItAndAContactWithoutANameIsGreetedPlainly()
    {
        var shopper = new CartScenario(cluster);
        Assert.False(await shopper.Cart.UpdateContentsAsync(Contents(shopper)));
        Assert.NotNull((await shopper.ViewAsync()).AwaitingContact);

        await shopper.Cart.CaptureAsync(new CustomerProfile(shopper.Email, ""), consent: null);
        Assert.Equal(CartStatus.Active, (await shopper.ViewAsync()).Status);
        var mail = (await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(1)))[0];
        Assert.StartsWith("Did something go wrong with your cart", mail.Subject);
        Assert.Contains("Hi,", mail.TextBody);
    }

    private static CartContents Contents(CartScenario shopper)
    {
        var snapshot = shopper.Snapshot();
        return new CartContents(snapshot.Currency, snapshot.Items, snapshot.ShippingCost, snapshot.RestoreUrl);
    }
}
