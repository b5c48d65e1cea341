using Orleans.Recovery.Carts;
using Orleans.Recovery.Feedback;
using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Orders;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Grains.Tests.FollowUps;

/// <summary>The flows' rules and the outbox's, without a cluster.</summary>
[Trait("Category", "Unit")]
public sealed class PlanTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static FlowDefinition Cart => FlowsOptions.Defaults.CartAbandonment();

    private static FlowDefinition Payment => FlowsOptions.Defaults.IncompletePayment();

    private static FlowDefinition PostPurchase => FlowsOptions.Defaults.PostPurchase();

    [Fact]
    public void ACartsFirstStepCountsItsWholeDelayFromActivityAndEachLaterOneItsGapFromTheStepBefore()
    {
        var first = AbandonedCartPlan.Instance.OnActivity("c/1", 0, T0, Cart)!;
        Assert.Equal(("c/1/cart-abandonment/1", T0 + TimeSpan.FromHours(1)), (first.MessageId, first.DueAt));

        var sentAt = T0 + TimeSpan.FromHours(3);
        var second = AbandonedCartPlan.Instance.After(first, sentAt, Cart)!;
        Assert.Equal(("c/1/cart-abandonment/2", sentAt + TimeSpan.FromHours(23)), (second.MessageId, second.DueAt));

        var third = AbandonedCartPlan.Instance.After(second, second.DueAt, Cart)!;
        Assert.Equal(10m, AbandonedCartPlan.Instance.StepOf(third, Cart)!.DiscountPercent);
        Assert.Null(AbandonedCartPlan.Instance.After(third, third.DueAt, Cart));
    }

    [Fact]
    public void ActivityBeforeALaterStepCountsThatStepsWholeDelayFromTheActivity()
    {
        var second = AbandonedCartPlan.Instance.OnActivity("c", 1, T0, Cart)!;
        Assert.Equal(T0 + TimeSpan.FromHours(24), second.DueAt);
    }

    [Fact]
    public void AChangedDelayMovesAWaitingStepAndARemovedStepHasNone()
    {
        var shorter = Cart;
        shorter.Steps[0].Delay = TimeSpan.FromMinutes(10);
        var first = AbandonedCartPlan.Instance.OnActivity("c", 0, T0, Cart)!;
        Assert.Equal(T0 + TimeSpan.FromMinutes(10), AbandonedCartPlan.Instance.DueOn(first, shorter));

        var second = AbandonedCartPlan.Instance.After(first, T0, Cart)!;
        var oneStep = Cart;
        oneStep.Steps.RemoveRange(1, 2);
        Assert.Null(AbandonedCartPlan.Instance.StepOf(second, oneStep));
    }

    [Fact]
    public void CartIdsMayHoldSlashesAndOnlyCartMessagesNameACart()
    {
        Assert.Equal("shop/eu/c-1", FollowUpId.Parse(AbandonedCartPlan.MessageId("shop/eu/c-1", 2))?.Cart);
        Assert.Null(FollowUpId.Parse("o-1/incomplete-payment/1")?.Cart);
        Assert.Equal(new FollowUpId("shop/o-1", FlowNames.PostPurchase, "delay-2"), FollowUpId.Parse("shop/o-1/post-purchase/delay-2"));
        Assert.Equal("shop/o-1", FollowUpId.Parse(OrderMessages.Id("shop/o-1", FlowNames.IncompletePayment, "1"))?.Order);
        Assert.All(new[] { "", "c-1", "c-1/cart-abandonment", "/cart-abandonment/1", "c-1//1", "c-1/cart-abandonment/" }, id => Assert.Null(FollowUpId.Parse(id)));
    }

    [Fact]
    public void PaymentRemindersStartOnlyForAnOrderNeitherPaidNorCancelled()
    {
        Assert.Null(IncompletePaymentPlan.WhyNotStart(null, null));
        Assert.Equal(SkipReason.AlreadyPaid, IncompletePaymentPlan.WhyNotStart(T0, null));
        Assert.Equal(SkipReason.OrderCancelled, IncompletePaymentPlan.WhyNotStart(null, T0));
        Assert.Equal(SkipReason.OrderCancelled, IncompletePaymentPlan.WhyNotStart(T0, T0));
    }

    [Fact]
    public void PaymentRemindersAreSpacedFromTheOneBeforeAndTheLastHasNoSuccessor()
    {
        var first = IncompletePaymentPlan.Instance.Start("o-1", T0, Payment)!;
        Assert.Equal(("o-1/incomplete-payment/1", T0 + TimeSpan.FromHours(24), true), (first.MessageId, first.DueAt, first.Marketing));
        var late = T0 + TimeSpan.FromHours(30);
        var second = IncompletePaymentPlan.Instance.After(first, late, Payment)!;
        Assert.Equal(late + TimeSpan.FromHours(48), second.DueAt);
        var third = IncompletePaymentPlan.Instance.After(second, second.DueAt, Payment)!;
        Assert.Null(IncompletePaymentPlan.Instance.After(third, third.DueAt, Payment));
    }

    [Fact]
    public void NoticesAreTransactionalAndTheReviewRequestIsMarketingTimedFromDelivery()
    {
        var shipment = PostPurchasePlan.Notice("o-1", PostPurchaseSteps.Shipment, "s-2", T0);
        Assert.Equal(("o-1/post-purchase/shipment-s-2", false, T0), (shipment.MessageId, shipment.Marketing, shipment.DueAt));

        var review = PostPurchasePlan.ReviewRequest("o-1", T0, PostPurchase)!;
        Assert.Equal((true, T0 + TimeSpan.FromDays(3)), (review.Marketing, review.DueAt));
        var sooner = PostPurchase;
        sooner.Step(PostPurchaseSteps.ReviewRequest)!.Delay = TimeSpan.FromDays(1);
        Assert.Equal(T0 + TimeSpan.FromDays(1), PostPurchasePlan.Instance.DueOn(review, sooner));

        var without = PostPurchase;
        without.Steps.RemoveAll(step => step.Name == PostPurchaseSteps.ReviewRequest);
        Assert.Null(PostPurchasePlan.ReviewRequest("o-1", T0, without));
    }

    [Fact]
    public void AlertsAreOnePerOrderAndRecipientAndNeverTimedByAFlow()
    {
        var email = FeedbackAlertPlan.Alert("o-1", Recipient.Support, T0);
        var hook = FeedbackAlertPlan.Alert("o-1", Recipient.Webhook, T0);
        Assert.NotEqual(email.MessageId, hook.MessageId);
        Assert.Equal(email.MessageId, FeedbackAlertPlan.Alert("o-1", Recipient.Support, T0 + TimeSpan.FromDays(1)).MessageId);
        Assert.Null(FeedbackAlertPlan.Instance.Flow);
        Assert.Equal(FeedbackAlertPlan.Template, FeedbackAlertPlan.Instance.StepOf(email, null)!.Template);
    }

    [Fact]
    public void TheOutboxNeverQueuesAMessageThatWentOutOrIsWaitingButDoesOneThatWasSkipped()
    {
        var outbox = new Outbox();
        var first = AbandonedCartPlan.Instance.OnActivity("c", 0, T0, Cart)!;
        Assert.True(outbox.Enqueue(first));
        Assert.False(outbox.Enqueue(AbandonedCartPlan.Instance.OnActivity("c", 0, T0, Cart)!));

        outbox.Cancel(_ => true, SkipReason.CartEmptied, T0);
        Assert.True(outbox.Enqueue(AbandonedCartPlan.Instance.OnActivity("c", 0, T0, Cart)!));

        var again = outbox.Pending[0];
        outbox.Claim(again, "Hello", null, null, T0, T0 + TimeSpan.FromMinutes(1));
        outbox.Delivered(again, T0);
        Assert.False(outbox.Enqueue(AbandonedCartPlan.Instance.OnActivity("c", 0, T0, Cart)!));
        Assert.Equal([MessageStatus.Skipped, MessageStatus.Sent], outbox.Log.Select(record => record.Status));
    }

    [Fact]
    public void AClaimHoldsTheMessageUntilItsHandOffSurelyEndedAndATransientFailureBacksOff()
    {
        var outbox = new Outbox();
        var message = AbandonedCartPlan.Instance.OnActivity("c", 0, T0, Cart)!;
        outbox.Enqueue(message);
        var due = message.DueAt;
        outbox.Claim(message, "Hello", null, null, due, due + TimeSpan.FromSeconds(90));
        Assert.Equal(due + TimeSpan.FromSeconds(90), outbox.WakeAt);

        outbox.Retry(message, SkipReason.TransientFailure, due + TimeSpan.FromSeconds(5));
        Assert.Equal(due + TimeSpan.FromSeconds(5) + TimeSpan.FromMinutes(1), outbox.WakeAt);
        var record = Assert.Single(outbox.Log);
        Assert.Equal((MessageStatus.Sending, SkipReason.TransientFailure, 1), (record.Status, record.Reason, record.Attempts));
    }
}
