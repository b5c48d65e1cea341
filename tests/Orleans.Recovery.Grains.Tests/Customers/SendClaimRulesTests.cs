using Orleans.Recovery.Customers;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Grains.Tests.Customers;

/// <summary>The customer's grant of a marketing send is the attempt's claim: the same attempt is never started twice while it may run.</summary>
[Trait("Category", "Unit")]
public sealed class SendClaimRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Busy = TimeSpan.FromSeconds(90);

    private static SendRequest Attempt(int attempt, DateTimeOffset at) =>
        new("cart-1:cart-abandonment:1", Marketing: true, null, null) { Flow = FlowNames.CartAbandonment, Attempt = attempt, BusyUntil = at + Busy };

    private static SendDecision Decide(CustomerState state, SendRequest request, DateTimeOffset at) =>
        state.Decide(request, at, new QuietHoursOptions { Enabled = false }, new FrequencyCapOptions(), ConsentMode.NotRequired, _ => 0);

    [Fact]
    public void TheSameAttemptAskedAgainWhileItMayRunWaitsUntilItSurelyEnded()
    {
        var state = new CustomerState();
        Assert.Equal(SendOutcome.Granted, Decide(state, Attempt(1, Now), Now).Outcome);

        // An activation that lost its claim (deactivated mid-send) asks for the same attempt: it must wait.
        var again = Decide(state, Attempt(1, Now.AddSeconds(5)), Now.AddSeconds(5));
        Assert.Equal(SendOutcome.Busy, again.Outcome);
        Assert.Equal(Now + Busy, again.Until);

        // Once the first hand-off surely ended, the attempt is granted again, on the same place under the cap.
        Assert.Equal(SendOutcome.Granted, Decide(state, Attempt(1, Now + Busy), Now + Busy).Outcome);
        Assert.Single(state.MarketingSends);
    }

    [Fact]
    public void TheNextAttemptAfterASettledRetryIsGrantedAtOnce()
    {
        var state = new CustomerState();
        Assert.Equal(SendOutcome.Granted, Decide(state, Attempt(1, Now), Now).Outcome);
        Assert.Equal(SendOutcome.Granted, Decide(state, Attempt(2, Now.AddSeconds(30)), Now.AddSeconds(30)).Outcome);
        Assert.Equal(2, Assert.Single(state.MarketingSends).Attempt);
    }

    [Fact]
    public void APlaceRecordedBeforeAttemptsWereKeptIsGrantedAsBefore()
    {
        var state = new CustomerState();
        state.MarketingSends.Add(new MarketingSend("cart-1:cart-abandonment:1", Now.AddMinutes(-1)));
        Assert.Equal(SendOutcome.Granted, Decide(state, Attempt(1, Now), Now).Outcome);
    }
}
