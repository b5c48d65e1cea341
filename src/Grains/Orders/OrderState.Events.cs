using Orleans.Recovery.Feedback;
using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Orders;

/// <summary>What each storefront event does to an order and which messages it queues: rules beside their data.</summary>
public sealed partial class OrderState
{
    /// <summary>Records the order the first time; a paid one queues its confirmation. False when it was already recorded.</summary>
    public bool Place(OrderPlaced placed, DateTimeOffset now)
    {
        if (Order is not null)
        {
            return false;
        }

        Order = placed;
        ReceivedAt = now;
        Outbox.Journal.Add(new OrderEvent { At = now, Kind = OrderEventKind.Placed, Currency = placed.Currency, Subtotal = placed.Subtotal, Total = placed.Total, CartId = placed.CartId });
        if (placed.PaymentStatus == PaymentStatus.Paid)
        {
            PaidAt = now;
            Outbox.Journal.Add(new OrderEvent { At = now, Kind = OrderEventKind.Paid });
            Queue(PostPurchasePlan.Notice(placed.OrderId, PostPurchaseSteps.Confirmation, null, now), now);
        }

        return true;
    }

    /// <summary>
    /// Records a failed payment. The first starts the incomplete-payment sequence, unless the order was already paid or
    /// cancelled: then <paramref name="ignoredBecause"/> says why it starts nothing, and the log says so too.
    /// </summary>
    public OrderEventOutcome PaymentFailed(PaymentFailureReason reason, string retryUrl, DateTimeOffset now, FlowDefinition flow, out string? ignoredBecause)
    {
        var orderId = Order!.OrderId;
        var repeated = PaymentFailure is { } known && known.Reason == reason && known.RetryUrl == retryUrl;
        PaymentFailure = new PaymentFailure(reason, retryUrl, now);
        ignoredBecause = IncompletePaymentPlan.WhyNotStart(PaidAt, CancelledAt);
        if (!repeated && ignoredBecause is null)
        {
            // A failure after the payment or the cancellation is no unfinished payment: the ledger hears only real ones.
            Outbox.Journal.Add(new OrderEvent { At = now, Kind = OrderEventKind.PaymentFailed, Reason = OrderMail.ReasonName(reason) });
        }

        if (ignoredBecause is not null)
        {
            Outbox.Ignore(IncompletePaymentPlan.MessageId(orderId, 0), FlowNames.IncompletePayment, 1, marketing: true, ignoredBecause, now);
            return OrderEventOutcome.Recorded;
        }

        if (PaymentSequenceStarted)
        {
            return repeated ? OrderEventOutcome.Repeated : OrderEventOutcome.Recorded;
        }

        PaymentSequenceStartedAt = now;

        // Still written for one release: a silo of the version before, during a rolling upgrade, reads only the flag.
        PaymentSequenceStartedUntimed = true;
        if (IncompletePaymentPlan.Instance.Start(orderId, now, flow) is { } reminder)
        {
            Queue(reminder, now);
        }

        return OrderEventOutcome.Recorded;
    }

    /// <summary>Records the payment and queues the confirmation; the caller withdraws the payment reminders.</summary>
    public OrderEventOutcome PaymentSucceeded(DateTimeOffset now)
    {
        if (PaidAt is not null)
        {
            return OrderEventOutcome.Repeated;
        }

        PaidAt = now;
        Outbox.Journal.Add(new OrderEvent { At = now, Kind = OrderEventKind.Paid });
        Queue(PostPurchasePlan.Notice(Order!.OrderId, PostPurchaseSteps.Confirmation, null, now), now);
        return OrderEventOutcome.Recorded;
    }

    public OrderEventOutcome AddShipment(Shipment shipment, DateTimeOffset now)
    {
        if (Shipments.Exists(s => s.ShipmentId == shipment.ShipmentId) || !HasRoomFor(Shipments))
        {
            return OrderEventOutcome.Repeated;
        }

        Shipments.Add(shipment);
        Queue(PostPurchasePlan.Notice(Order!.OrderId, PostPurchaseSteps.Shipment, shipment.ShipmentId, now), now);
        return OrderEventOutcome.Recorded;
    }

    public OrderEventOutcome AddDelay(Delay delay, DateTimeOffset now)
    {
        if (Delays.Exists(d => d.Delay.DelayId == delay.DelayId) || !HasRoomFor(Delays))
        {
            return OrderEventOutcome.Repeated;
        }

        Delays.Add(new DelayRecord(delay, now));
        Queue(PostPurchasePlan.Notice(Order!.OrderId, PostPurchaseSteps.Delay, delay.DelayId, now), now);
        return OrderEventOutcome.Recorded;
    }

    /// <summary>Queues the delivered notice and the review request its delay after delivery.</summary>
    public OrderEventOutcome Delivered(DateTimeOffset? reportedAt, DateTimeOffset now, FlowDefinition flow)
    {
        if (DeliveredAt is not null)
        {
            return OrderEventOutcome.Repeated;
        }

        // A delivery time in the future is the storefront's clock running ahead; it cannot postpone the notice.
        var at = reportedAt is { } reported && reported < now ? reported : now;
        DeliveredAt = at;
        Queue(PostPurchasePlan.Notice(Order!.OrderId, PostPurchaseSteps.Delivered, null, now), now);
        if (PostPurchasePlan.ReviewRequest(Order.OrderId, at, flow) is { } review)
        {
            Queue(review, now);
        }

        return OrderEventOutcome.Recorded;
    }

    /// <summary>
    /// Records a rating. A low one queues the alerts, whose ids are the same for every rating of the order, so a
    /// shopper who rates low twice, or changes a rating, never alerts the shop again. True when the alerts were queued.
    /// </summary>
    public bool Rate(int rating, int threshold, bool webhook, DateTimeOffset now)
    {
        Rating = new Rating(rating, now);
        if (rating > threshold || !Queue(FeedbackAlertPlan.Alert(Order!.OrderId, Recipient.Support, now), now))
        {
            return false;
        }

        if (webhook)
        {
            Queue(FeedbackAlertPlan.Alert(Order.OrderId, Recipient.Webhook, now), now);
        }

        return true;
    }

    /// <summary>Records the cancellation once; the caller withdraws what the customer was still owed.</summary>
    public OrderEventOutcome Cancel(DateTimeOffset now)
    {
        if (Order is null)
        {
            return OrderEventOutcome.UnknownOrder;
        }

        if (IsCancelled)
        {
            return OrderEventOutcome.Repeated;
        }

        CancelledAt = now;
        Outbox.Journal.Add(new OrderEvent { At = now, Kind = OrderEventKind.Cancelled });
        return OrderEventOutcome.Recorded;
    }

    /// <summary>Records the shopper's answer to a delay. The latest answer stands: a shopper may change their mind before the shop acts.</summary>
    public bool ChooseDelay(string delayId, DelayOption choice, DateTimeOffset now)
    {
        var index = Delays.FindIndex(d => d.Delay.DelayId == delayId);
        if (index < 0 || !Delays[index].Delay.Options.Contains(choice))
        {
            return false;
        }

        Delays[index] = Delays[index] with { Choice = choice, ChoiceAt = now };
        return true;
    }

    /// <summary>Queues a message, unless the order was cancelled: then a message to the customer is only logged, skipped with the reason.</summary>
    private bool Queue(FollowUp message, DateTimeOffset now)
    {
        if (message.To == Recipient.Customer && IsCancelled)
        {
            Outbox.Ignore(message.MessageId, message.Flow, message.StepNumber, message.Marketing, SkipReason.OrderCancelled, now);
            return false;
        }

        return Outbox.Plan(message, now);
    }
}
