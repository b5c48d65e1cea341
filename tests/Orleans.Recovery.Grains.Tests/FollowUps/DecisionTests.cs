using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.Grains.Tests.FollowUps;

/// <summary>What the engine decides for a due message and for a delivery's outcome, without a cluster.</summary>
[Trait("Category", "Unit")]
public sealed class DecisionTests
{
    private static readonly DateTimeOffset Due = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static FlowDefinition Cart(double holdout = 0) => new() { Steps = FlowsOptions.Defaults.CartAbandonment().Steps, Holdout = holdout };

    private static FollowUp Reminder(bool marketing = true, Recipient to = Recipient.Customer) =>
        new() { MessageId = "c/1/cart-abandonment/1", Flow = FlowNames.CartAbandonment, Step = "reminder", StepNumber = 1, DueAt = Due, Marketing = marketing, To = to };

    private static DueVerdict Decide(FollowUp message, FlowDefinition? definition = null, bool stepExists = true, bool alreadySent = false, string customer = "k-ana", TimeSpan? late = null) =>
        FollowUpDecisions.BeforeSending(message, definition ?? Cart(), stepExists, alreadySent, customer, Due + (late ?? TimeSpan.Zero));

    [Fact]
    public void ADueReminderOnTimeGoesOnToTheCustomersCheck() =>
        Assert.Equal(new DueVerdict(DueAction.Send), Decide(Reminder()));

    [Fact]
    public void AMarketingStepPastTheFlowsExpiryIsSkippedAndTheNextKeepsItsSpacingFromWhenThisWasDue()
    {
        Assert.Equal(new DueVerdict(DueAction.Skip, SkipReason.Expired, ContinueFrom.DueTime), Decide(Reminder(), late: TimeSpan.FromHours(25)));

        // A notice is never too late, and a marketing step within the expiry still goes.
        Assert.Equal(DueAction.Send, Decide(Reminder(marketing: false), late: TimeSpan.FromHours(25)).Action);
        Assert.Equal(DueAction.Send, Decide(Reminder(), late: TimeSpan.FromHours(23)).Action);
    }

    [Fact]
    public void AStepAlreadySentIsDroppedUnloggedAndTheSequenceGoesOnFromNow() =>
        Assert.Equal(new DueVerdict(DueAction.Drop, null, ContinueFrom.Now), Decide(Reminder(), alreadySent: true));

    [Fact]
    public void AStepTheOperatorRemovedIsSkippedAndEndsTheSequence() =>
        Assert.Equal(new DueVerdict(DueAction.Skip, SkipReason.StepRemoved, ContinueFrom.Nothing), Decide(Reminder(), stepExists: false));

    [Fact]
    public void ACustomerInTheControlGroupIsSkippedAsHeldOutAtEachStepAndTheOthersGetIt()
    {
        var customers = Enumerable.Range(0, 40).Select(i => $"k-customer-{i}").ToList();
        var held = customers.Where(key => Holdout.IsHeldOut(FlowNames.CartAbandonment, key, 0.5)).ToList();
        Assert.NotEmpty(held);
        Assert.NotEqual(customers.Count, held.Count);

        Assert.All(held, key => Assert.Equal(new DueVerdict(DueAction.Skip, SkipReason.Holdout, ContinueFrom.Now), Decide(Reminder(), Cart(holdout: 0.5), customer: key)));
        Assert.All(customers.Except(held), key => Assert.Equal(DueAction.Send, Decide(Reminder(), Cart(holdout: 0.5), customer: key).Action));

        // The control group holds back marketing to the customer only: notices and the shop's own alerts still go.
        Assert.Equal(DueAction.Send, Decide(Reminder(marketing: false), Cart(holdout: 0.5), customer: held[0]).Action);
        Assert.Equal(DueAction.Send, Decide(Reminder(to: Recipient.Support), Cart(holdout: 0.5), customer: held[0]).Action);
    }

    [Fact]
    public void ExpiryIsCheckedBeforeTheLogSoALateCopyOfASentStepEndsAsExpired() =>
        Assert.Equal(SkipReason.Expired, Decide(Reminder(), alreadySent: true, stepExists: false, late: TimeSpan.FromDays(2)).Reason);

    [Fact]
    public void ADeliveredMessageIsLoggedSentAndTheNextStepCountsFromItsClaim() =>
        Assert.Equal(new SettleVerdict(SettleAction.Delivered, MessageStatus.Sent, null, ContinueFrom.Claimed), Outcome(DeliveryOutcome.Delivered));

    [Fact]
    public void ATransientFailureIsTriedAgainWithoutEndingTheSequence() =>
        Assert.Equal(new SettleVerdict(SettleAction.Retry, null, SkipReason.TransientFailure, ContinueFrom.Nothing), Outcome(DeliveryOutcome.TransientFailure));

    [Fact]
    public void AHandOffWithheldAtTheLastCheckEndsSkippedWithItsReasonAndNothingFollows()
    {
        Assert.Equal(new SettleVerdict(SettleAction.End, MessageStatus.Skipped, SkipReason.Purchased, ContinueFrom.Nothing), Outcome(DeliveryOutcome.Withheld, SkipReason.Purchased));
        Assert.Equal(SkipReason.Unsubscribed, Outcome(DeliveryOutcome.Withheld).Reason);
    }

    [Fact]
    public void AMailboxThatDoesNotExistSuppressesTheCustomersAddressButNotTheShopsSupportAddress()
    {
        Assert.Equal(new SettleVerdict(SettleAction.End, MessageStatus.Failed, SkipReason.InvalidAddress, ContinueFrom.Nothing, SuppressAddress: true), Outcome(DeliveryOutcome.MailboxUnavailable));
        Assert.Equal(new SettleVerdict(SettleAction.End, MessageStatus.Failed, SkipReason.Rejected, ContinueFrom.Now), Outcome(DeliveryOutcome.MailboxUnavailable, to: Recipient.Support));
    }

    [Fact]
    public void ARejectedMessageFailsAndTheSequenceGoesOnFromNow() =>
        Assert.Equal(new SettleVerdict(SettleAction.End, MessageStatus.Failed, SkipReason.Rejected, ContinueFrom.Now), Outcome(DeliveryOutcome.Rejected));

    private static SettleVerdict Outcome(DeliveryOutcome outcome, string? detail = null, Recipient to = Recipient.Customer) =>
        FollowUpDecisions.OnDelivery(new DeliveryResult(outcome, detail), to);
}
