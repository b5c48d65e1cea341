using Orleans.Recovery.Customers;
using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Mail.Bounces;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Grains.Tests.Customers;

/// <summary>What bounces and complaints do to a customer's mail, without a cluster.</summary>
[Trait("Category", "Unit")]
public sealed class BounceRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    private static SendRequest Reminder => new("c-1/cart-abandonment/1", true, null, null) { Flow = FlowNames.CartAbandonment };

    private static SendRequest Confirmation => new("o-1/post-purchase/confirmation", false, null, null) { Flow = FlowNames.PostPurchase };

    private static MailEvent Event(MailEventKind kind, string? id = null) => new(kind, id ?? Guid.NewGuid().ToString("N"), Now, MailEvent.Sources.Mailbox);

    [Fact]
    public void AHardBounceSuppressesEveryMailAtOnce()
    {
        var state = new CustomerState();
        Assert.True(state.RecordMailEvent(Event(MailEventKind.HardBounce), Now, softLimit: 3));

        Assert.Equal(SkipReason.Suppressed, state.Refusal(Reminder, ConsentMode.NotRequired));
        Assert.Equal(SkipReason.Suppressed, state.Refusal(Confirmation, ConsentMode.NotRequired));
        Assert.Equal(new Suppression(SkipReason.HardBounce, Now, MarketingOnly: false), state.Suppression);
    }

    [Fact]
    public void AComplaintStopsMarketingButNotTheOrderNotices()
    {
        var state = new CustomerState();
        state.RecordMailEvent(Event(MailEventKind.Complaint), Now, softLimit: 3);

        Assert.Equal(SkipReason.Suppressed, state.Refusal(Reminder, ConsentMode.NotRequired));
        Assert.Null(state.Refusal(Confirmation, ConsentMode.NotRequired));
        Assert.Equal(new Suppression(SkipReason.Complaint, Now, MarketingOnly: true), state.Suppression);
    }

    [Fact]
    public void TheThirdSoftBounceWithin30DaysSuppresses()
    {
        var state = new CustomerState();
        state.RecordMailEvent(Event(MailEventKind.SoftBounce), Now, softLimit: 3);
        state.RecordMailEvent(Event(MailEventKind.SoftBounce), Now.AddDays(10), softLimit: 3);
        Assert.Null(state.Refusal(Reminder, ConsentMode.NotRequired));

        state.RecordMailEvent(Event(MailEventKind.SoftBounce), Now.AddDays(29), softLimit: 3);
        Assert.Equal(SkipReason.Suppressed, state.Refusal(Confirmation, ConsentMode.NotRequired));
        Assert.Equal(SkipReason.SoftBounces, state.Suppression!.Cause);
    }

    [Fact]
    public void SoftBouncesFurtherApartThan30DaysDoNotAddUp()
    {
        var state = new CustomerState();
        state.RecordMailEvent(Event(MailEventKind.SoftBounce), Now, softLimit: 3);
        state.RecordMailEvent(Event(MailEventKind.SoftBounce), Now.AddDays(20), softLimit: 3);
        state.RecordMailEvent(Event(MailEventKind.SoftBounce), Now.AddDays(31), softLimit: 3);

        Assert.Null(state.Suppression);
        Assert.Equal(2, state.SoftBounces.Count);
    }

    [Fact]
    public void AReportReadTwiceCountsOnce()
    {
        var state = new CustomerState();
        var report = Event(MailEventKind.SoftBounce, "imap:<r-1@mx.example>#0");
        Assert.True(state.RecordMailEvent(report, Now, softLimit: 2));
        Assert.False(state.RecordMailEvent(report, Now.AddMinutes(1), softLimit: 2));

        Assert.Single(state.SoftBounces);
        Assert.Null(state.Suppression);
    }

    [Fact]
    public void AnErasedCustomerKeepsNothingAndStaysErased()
    {
        var state = new CustomerState { SuppressedBecause = SkipReason.Erased };
        Assert.False(state.RecordMailEvent(Event(MailEventKind.Complaint), Now, softLimit: 3));
        Assert.False(state.RecordMailEvent(Event(MailEventKind.HardBounce), Now, softLimit: 3));

        Assert.Null(state.ComplainedAt);
        Assert.Empty(state.MailEventIds);
        Assert.Equal(SkipReason.Erased, state.SuppressedBecause);
    }

    [Fact]
    public void TheFirstCauseOfASuppressionIsTheOneKept()
    {
        var state = new CustomerState();
        state.RecordMailEvent(Event(MailEventKind.HardBounce), Now, softLimit: 1);
        state.RecordMailEvent(Event(MailEventKind.SoftBounce), Now.AddDays(1), softLimit: 1);

        Assert.Equal(new Suppression(SkipReason.HardBounce, Now, MarketingOnly: false), state.Suppression);
    }
}
