using Orleans.Recovery.Customers;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Grains.Tests.Customers;

/// <summary>The consent rule and the consent record, without a cluster.</summary>
[Trait("Category", "Unit")]
public sealed class ConsentRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);

    private static SendRequest Request(string flow, bool marketing = true) => new("m-1", marketing, null, null) { Flow = flow };

    [Theory]
    [InlineData(ConsentMode.NotRequired, false, false, true)]
    [InlineData(ConsentMode.Required, false, false, false)]
    [InlineData(ConsentMode.Required, true, false, true)]
    [InlineData(ConsentMode.Required, false, true, false)]
    [InlineData(ConsentMode.ExistingCustomer, false, false, false)]
    [InlineData(ConsentMode.ExistingCustomer, false, true, true)]
    [InlineData(ConsentMode.ExistingCustomer, true, false, true)]
    public void CartRemindersFollowTheMode(ConsentMode mode, bool consented, bool paidBefore, bool allowed) =>
        Assert.Equal(allowed, ConsentRules.Allows(mode, Request(FlowNames.CartAbandonment), consented, paidBefore ? Now : null));

    [Theory]
    [InlineData(FlowNames.IncompletePayment)]
    [InlineData(FlowNames.PostPurchase)]
    public void OtherMarketingNeedsConsentEvenFromAnExistingCustomer(string flow)
    {
        Assert.False(ConsentRules.Allows(ConsentMode.ExistingCustomer, Request(flow), consented: false, Now));
        Assert.True(ConsentRules.Allows(ConsentMode.ExistingCustomer, Request(flow), consented: true, null));
    }

    [Theory]
    [InlineData(ConsentMode.Required)]
    [InlineData(ConsentMode.ExistingCustomer)]
    public void TransactionalMailNeverNeedsConsent(ConsentMode mode) =>
        Assert.True(ConsentRules.Allows(mode, Request(FlowNames.PostPurchase, marketing: false), consented: false, null));

    [Fact]
    public void TheSameConsentReportedWithEverySnapshotIsKeptOnce()
    {
        var state = new CustomerState();
        Assert.True(state.RecordConsent(new ConsentRecord(Now, true, ConsentSources.Api, "Offers by email", null, "c-1")));
        Assert.False(state.RecordConsent(new ConsentRecord(Now.AddMinutes(5), true, ConsentSources.Api, "Offers by email", null, "c-1")));
        Assert.Single(state.Consents);
        Assert.True(state.HasConsent);
    }

    [Fact]
    public void NoConsentFromAnotherCartIsNoWithdrawalButAnUntickedBoxInTheSameCheckoutIs()
    {
        var state = new CustomerState();
        state.RecordConsent(new ConsentRecord(Now, true, ConsentSources.Capture, "Offers by email", "203.0.113.7", "c-1"));
        Assert.False(state.RecordConsent(new ConsentRecord(Now.AddDays(3), false, ConsentSources.Api, null, null, "c-2")));
        Assert.True(state.HasConsent);

        Assert.True(state.RecordConsent(new ConsentRecord(Now.AddMinutes(1), false, ConsentSources.Capture, null, "203.0.113.7", "c-1")));
        Assert.False(state.HasConsent);
    }

    [Fact]
    public void ANewsletterOptInIsNotTakenBackByACart()
    {
        var state = new CustomerState();
        state.RecordConsent(new ConsentRecord(Now, true, ConsentSources.NewsletterPage, "Would you like our newsletter?"));
        Assert.False(state.RecordConsent(new ConsentRecord(Now, false, ConsentSources.Api, null, null, "c-1")));
        Assert.True(state.HasConsent);
    }

    [Fact]
    public void AnUnsubscribeRefusesMarketingEvenWithConsentAndNoConsentIsNamedAsTheReason()
    {
        var state = new CustomerState();
        var request = Request(FlowNames.CartAbandonment);
        Assert.Equal("no-consent", state.Refusal(request, ConsentMode.Required));
        state.RecordConsent(new ConsentRecord(Now, true, ConsentSources.Api));
        Assert.Null(state.Refusal(request, ConsentMode.Required));
        state.Record(new PreferenceChoice(Now, PreferenceChoice.AllMarketing, null, null, PreferenceChoice.ViaOneClick));
        Assert.Equal("unsubscribed", state.Refusal(request, ConsentMode.Required));
    }
}
