using Orleans.Recovery.Testing;
using System.Collections.Immutable;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Customers;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Grains.Tests.Carts;
using Orleans.Recovery.Orders;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Grains.Tests.Customers;

/// <summary>A cluster whose marketing mail needs consent, except cart reminders to shoppers who paid for an order before.</summary>
public sealed class ExistingCustomerConsentFixture : ClusterFixture
{
    protected override IReadOnlyDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Recovery:Consent:Mode"] = "ExistingCustomer",
    };
}

/// <summary>
/// <c>Recovery:Consent:Mode=ExistingCustomer</c>: marketing mail goes to shoppers who consented, and cart reminders also
/// to shoppers who paid for an order before; everyone else's marketing is skipped as no-consent. Transactional mail goes
/// regardless.
/// </summary>
[Trait("Category", "Grains")]
public sealed class ConsentTests(ExistingCustomerConsentFixture cluster) : IClassFixture<ExistingCustomerConsentFixture>
{
    private static readonly ImmutableArray<CartLine> OtherItems = [new("FILTER-100", "Paper filters", 1, 3.50m)];

    [Fact]
    public async Task AShopperWithoutConsentGetsNoCartReminderWhileOneWhoConsentedDoes()
    {
        var silent = new CartScenario(cluster);
        var consented = new CartScenario(cluster);
        await silent.PutAsync();
        await consented.Cart.UpdateAsync(consented.Snapshot() with { Customer = consented.Customer with { MarketingConsent = true, ConsentText = "Send me offers" } });

        await consented.AdvanceUntilMailAsync(TimeSpan.FromHours(1));
        await silent.WaitForLogAsync(m => m.Status == MessageStatus.Skipped && m.Reason == SkipReason.NoConsent);
        Assert.Equal(0, silent.MailCount);

        var proof = await cluster.Grains.GetGrain<ICustomerGrain>(TestCustomerKeys.Of(consented.Customer.Email)).GetViewAsync();
        Assert.True(proof.HasConsent);
        var record = Assert.Single(proof.Consents);
        Assert.Equal((ConsentSources.Api, "Send me offers", consented.CartId), (record.Source, record.Text, record.CartId));
    }

    [Fact]
    public async Task AShopperWhoPaidForAnOrderBeforeGetsCartRemindersButAnUnpaidOrderDoesNotMakeThemACustomer()
    {
        var buyer = new CartScenario(cluster);
        var unpaid = new CartScenario(cluster);
        Assert.True(await buyer.BuyAsync(cartId: null, OtherItems));
        var pending = unpaid.Order(cartId: null, OtherItems) with { PaymentStatus = PaymentStatus.Pending };
        Assert.True(await cluster.Grains.GetGrain<IOrderGrain>(pending.OrderId).PlaceAsync(pending));

        await buyer.PutAsync();
        await unpaid.PutAsync();
        await buyer.AdvanceUntilMailAsync(TimeSpan.FromHours(1));
        await unpaid.WaitForLogAsync(m => m.Status == MessageStatus.Skipped && m.Reason == SkipReason.NoConsent);
        Assert.Equal(0, unpaid.MailCount);

        // The pending order is paid later: from then on its shopper is an existing customer too.
        Assert.Equal(OrderEventOutcome.Recorded, await cluster.Grains.GetGrain<IOrderGrain>(pending.OrderId).PaymentSucceededAsync());
        var second = new CartScenario(cluster);
        await second.Cart.UpdateAsync(second.Snapshot() with { Customer = unpaid.Customer });
        await cluster.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(unpaid.MailCount >= 1), "a cart reminder to the shopper who has now paid");
    }

    [Fact]
    public async Task TheExceptionIsForCartRemindersOnlyAndConfirmationsNeverNeedConsent()
    {
        // An earlier paid order makes an existing customer; a later order's payment fails. Its payment
        // reminder is marketing outside the exception: skipped. The first order's confirmation went out.
        var shopper = new CartScenario(cluster);
        Assert.True(await shopper.BuyAsync(cartId: null));
        await cluster.Smtp.WaitForAsync(shopper.Email, 1);

        var order = shopper.Order(cartId: null) with { PaymentStatus = PaymentStatus.Pending };
        var grain = cluster.Grains.GetGrain<IOrderGrain>(order.OrderId);
        Assert.True(await grain.PlaceAsync(order));
        Assert.Equal(OrderEventOutcome.Recorded, await grain.PaymentFailedAsync(PaymentFailureReason.CardExpired, "https://shop.test/pay/retry"));

        // The payment reminder falls due after a day and is skipped; a cart reminder to the same shopper arrives after
        // that, so the payment reminder's absence is not a sleep.
        await cluster.AdvanceUntilAsync(TimeSpan.FromHours(24), async () =>
            (await grain.GetViewAsync())!.Messages.Any(m => m.Reason == SkipReason.NoConsent), "the payment reminder skipped as no-consent");
        await shopper.PutAsync(OtherItems);
        await shopper.AdvanceUntilMailAsync(TimeSpan.FromHours(1));
        Assert.Single(shopper.Sent);
        Assert.Equal(2, cluster.Smtp.To(shopper.Email).Count());
    }

    [Fact]
    public async Task ABoxUntickedInTheSameCheckoutTakesTheConsentBackAndErasingForgetsIt()
    {
        var shopper = new CartScenario(cluster);
        var customer = cluster.Grains.GetGrain<ICustomerGrain>(TestCustomerKeys.Of(shopper.Customer.Email));
        await shopper.Cart.UpdateAsync(shopper.Snapshot() with { Customer = shopper.Customer with { MarketingConsent = true } });
        await shopper.Cart.UpdateAsync(shopper.Snapshot() with { Customer = shopper.Customer with { MarketingConsent = false } });

        var view = await customer.GetViewAsync();
        Assert.False(view.HasConsent);
        Assert.Equal([true, false], view.Consents.Select(c => c.Given));

        await shopper.AdvanceUntilLogAsync(TimeSpan.FromHours(1), m => m.Reason == SkipReason.NoConsent);
        await customer.EraseAsync();
        Assert.Empty((await customer.GetViewAsync()).Consents);
    }
}
