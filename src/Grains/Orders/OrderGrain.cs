using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Coupons;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Feedback;
using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.Orders;

/// <summary>
/// One order: its facts and events, and one outbox for the messages its flows owe (payment reminders, post-purchase
/// notices, the review request, alerts to the shop). Events queue messages first; the engine sends them right after
/// the event's call returns, and the reminder sends whatever a crash or an SMTP outage left behind.
/// </summary>
public sealed partial class OrderGrain(
    [PersistentState("order", RecoveryStorage.Name)] IPersistentState<OrderState> order,
    FollowUpServices followUps,
    OrderMail mail,
    MailSender sender,
    AlertWebhook webhook,
    IOptionsMonitor<AlertOptions> alerts,
    ILogger<OrderGrain> logger) : Grain, IOrderGrain, IRemindable, IFollowUpOwner
{
    public const string ReminderName = "order-follow-up";

    private static readonly Dictionary<string, IFollowUpPlan> Plans = new()
    {
        [FlowNames.IncompletePayment] = IncompletePaymentPlan.Instance,
        [FlowNames.PostPurchase] = PostPurchasePlan.Instance,
    };

    private FollowUpEngine? _engine;

    private OrderState State => order.State;

    private string OrderId => this.GetPrimaryKeyString();

    private FollowUpEngine Engine => _engine ??= new FollowUpEngine(this, this, ReminderName, followUps);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // An order stored by an earlier version: its pending messages move into the outbox, written with the next change.
        State.Upgrade();
        return Task.CompletedTask;
    }

    public async Task<bool> PlaceAsync(OrderPlaced placed)
    {
        var first = State.Order is null;

        // Cart and customer first, both idempotent: if we crash before the write below, the storefront's retry
        // repeats them, and a recorded order has always cancelled its carts.
        if (placed.CartId is { } cartId)
        {
            await GrainFactory.GetGrain<ICartGrain>(cartId).MarkPurchasedAsync(placed.OrderId);
        }

        await GrainFactory.GetGrain<ICustomerGrain>(placed.Customer.Key).OrderPlacedAsync(placed.OrderId, placed.CartId, placed.Skus);
        if (first)
        {
            var now = followUps.Clock.GetUtcNow();
            State.Order = placed;
            State.ReceivedAt = now;
            if (placed.PaymentStatus == PaymentStatus.Paid)
            {
                State.PaidAt = now;
                Queue(PostPurchasePlan.Notice(OrderId, PostPurchaseSteps.Confirmation, null, now), now);
            }

            await Engine.SaveAndSendAsync();
        }

        return first;
    }

    public Task<OrderEventOutcome> PaymentFailedAsync(PaymentFailureReason reason, string retryUrl) => OnEventAsync(async now =>
    {
        var repeated = State.PaymentFailure is { } known && known.Reason == reason && known.RetryUrl == retryUrl;
        State.PaymentFailure = new PaymentFailure(reason, retryUrl, now);
        if (IncompletePaymentPlan.WhyNotStart(State.PaidAt, State.CancelledAt) is { } why)
        {
            // Arrived after the payment or the cancellation it should have preceded: recorded, and it starts nothing.
            State.Outbox.Ignore(IncompletePaymentPlan.MessageId(OrderId, 0), FlowNames.IncompletePayment, 1, why, now);
            LogIgnored(OrderId, "payment-failed", why);
            return OrderEventOutcome.Recorded;
        }

        if (!State.PaymentSequenceStarted)
        {
            State.PaymentSequenceStarted = true;
            if (IncompletePaymentPlan.Instance.Start(OrderId, now, await followUps.Flows.GetAsync(FlowNames.IncompletePayment)) is { } reminder)
            {
                Queue(reminder, now);
            }

            return OrderEventOutcome.Recorded;
        }

        return repeated ? OrderEventOutcome.Repeated : OrderEventOutcome.Recorded;
    });

    public Task<OrderEventOutcome> PaymentSucceededAsync() => OnEventAsync(async now =>
    {
        if (State.PaidAt is not null)
        {
            return OrderEventOutcome.Repeated;
        }

        State.PaidAt = now;
        await Engine.CancelAsync(message => message.Flow == FlowNames.IncompletePayment, SkipReason.PaymentSucceeded, now);
        Queue(PostPurchasePlan.Notice(OrderId, PostPurchaseSteps.Confirmation, null, now), now);
        return OrderEventOutcome.Recorded;
    });

    public Task<OrderEventOutcome> AddShipmentAsync(Shipment shipment) => OnEventAsync(now =>
    {
        if (State.Shipments.Exists(s => s.ShipmentId == shipment.ShipmentId) || !State.HasRoomFor(State.Shipments))
        {
            return Task.FromResult(OrderEventOutcome.Repeated);
        }

        State.Shipments.Add(shipment);
        Queue(PostPurchasePlan.Notice(OrderId, PostPurchaseSteps.Shipment, shipment.ShipmentId, now), now);
        return Task.FromResult(OrderEventOutcome.Recorded);
    });

    public Task<OrderEventOutcome> AddDelayAsync(Delay delay) => OnEventAsync(now =>
    {
        if (State.Delays.Exists(d => d.Delay.DelayId == delay.DelayId) || !State.HasRoomFor(State.Delays))
        {
            return Task.FromResult(OrderEventOutcome.Repeated);
        }

        State.Delays.Add(new DelayRecord(delay, now));
        Queue(PostPurchasePlan.Notice(OrderId, PostPurchaseSteps.Delay, delay.DelayId, now), now);
        return Task.FromResult(OrderEventOutcome.Recorded);
    });

    public Task<OrderEventOutcome> DeliveredAsync(DateTimeOffset? deliveredAt) => OnEventAsync(async now =>
    {
        if (State.DeliveredAt is not null)
        {
            return OrderEventOutcome.Repeated;
        }

        // A delivery time in the future is the storefront's clock running ahead; it cannot postpone the notice.
        var at = deliveredAt is { } reported && reported < now ? reported : now;
        State.DeliveredAt = at;
        Queue(PostPurchasePlan.Notice(OrderId, PostPurchaseSteps.Delivered, null, now), now);
        if (PostPurchasePlan.ReviewRequest(OrderId, at, await followUps.Flows.GetAsync(FlowNames.PostPurchase)) is { } review)
        {
            Queue(review, now);
        }

        return OrderEventOutcome.Recorded;
    });

    public async Task<OrderEventOutcome> CancelAsync()
    {
        if (State.Order is null)
        {
            return OrderEventOutcome.UnknownOrder;
        }

        if (State.IsCancelled)
        {
            return OrderEventOutcome.Repeated;
        }

        var now = followUps.Clock.GetUtcNow();
        State.CancelledAt = now;

        // Alerts to the shop still go: an unhappy customer who cancelled is still worth a call.
        await Engine.CancelAsync(message => message.To == Recipient.Customer, SkipReason.OrderCancelled, now);
        await Engine.SaveAndSendAsync();
        return OrderEventOutcome.Recorded;
    }

    public Task<DelayRecord?> GetDelayAsync(string delayId) =>
        Task.FromResult(State.Delays.Find(d => d.Delay.DelayId == delayId)?.KnownOptionsOnly());

    public async Task<bool> RecordDelayChoiceAsync(string delayId, DelayOption choice)
    {
        var index = State.Delays.FindIndex(d => d.Delay.DelayId == delayId);
        if (index < 0 || !State.Delays[index].Delay.Options.Contains(choice))
        {
            return false;
        }

        // The latest answer stands: a shopper may change their mind before the shop acts.
        State.Delays[index] = State.Delays[index] with { Choice = choice, ChoiceAt = followUps.Clock.GetUtcNow() };
        await Engine.SaveAsync();
        LogDelayChoice(OrderId, delayId, choice);
        return true;
    }

    public async Task<bool> RecordRatingAsync(int rating)
    {
        if (State.Order is null || rating is < 1 or > 5)
        {
            return false;
        }

        var now = followUps.Clock.GetUtcNow();
        State.Rating = new Rating(rating, now);

        // The alert's message id is the same for every rating of the order, so a shopper who rates low twice, or a
        // changed rating, never alerts the shop a second time.
        if (rating <= alerts.CurrentValue.RatingThreshold && Queue(FeedbackAlertPlan.Alert(OrderId, Recipient.Support, now), now))
        {
            LogLowRating(OrderId, rating);
            if (webhook.IsConfigured)
            {
                Queue(FeedbackAlertPlan.Alert(OrderId, Recipient.Webhook, now), now);
            }
        }

        await Engine.SaveAndSendAsync();
        return true;
    }

    public Task<OrderView?> GetViewAsync() => Task.FromResult(State.Order is not { } placed ? null : new OrderView(
        placed,
        State.ReceivedAt,
        State.PaidAt,
        State.PaymentFailure,
        State.CancelledAt,
        [.. State.Shipments],
        [.. State.Delays.Select(delay => delay.KnownOptionsOnly())],
        State.DeliveredAt,
        State.Rating,
        [.. State.Outbox.Log],
        [.. State.Outbox.Pending.Select(m => new PendingMessageView(m.MessageId, m.Flow, m.StepNumber, m.DueAt, m.WakeAt, m.Attempts))]));

    public Task RetimeAsync(string flow, FlowDefinition definition) => State.Order is null ? Task.CompletedTask : Engine.RetimeAsync(flow, definition);

    public Task SettleAsync(string messageId, int attempt, DeliveryResult result) => Engine.SettleAsync(messageId, attempt, result);

    public Task ReceiveReminder(string reminderName, TickStatus status) => Engine.TickAsync();

    /// <summary>
    /// Applies an event of a known order and sends what it queued. Events after a cancellation are recorded, queue
    /// nothing for the customer, and are answered as such.
    /// </summary>
    private async Task<OrderEventOutcome> OnEventAsync(Func<DateTimeOffset, Task<OrderEventOutcome>> apply)
    {
        if (State.Order is null)
        {
            return OrderEventOutcome.UnknownOrder;
        }

        var outcome = await apply(followUps.Clock.GetUtcNow());
        if (outcome == OrderEventOutcome.Recorded)
        {
            await Engine.SaveAndSendAsync();
        }

        return State.IsCancelled ? OrderEventOutcome.Cancelled : outcome;
    }

    /// <summary>Queues a message, unless the order was cancelled: then the customer's message is only logged, skipped with the reason.</summary>
    private bool Queue(FollowUp message, DateTimeOffset now)
    {
        if (message.To == Recipient.Customer && State.IsCancelled)
        {
            State.Outbox.Ignore(message.MessageId, message.Flow, message.StepNumber, SkipReason.OrderCancelled, now);
            return false;
        }

        return State.Outbox.Enqueue(message);
    }

    Outbox IFollowUpOwner.Outbox => State.Outbox;

    string IFollowUpOwner.CustomerKey => State.Order!.Customer.Key;

    IFollowUpPlan IFollowUpOwner.PlanFor(FollowUp message) => message.To == Recipient.Customer ? Plans[message.Flow] : FeedbackAlertPlan.Instance;

    SendRequest IFollowUpOwner.RequestFor(FollowUp message) =>
        new(message.MessageId, message.Marketing, State.Order!.Customer.TimeZone, State.Order.Customer.Country);

    Parcel IFollowUpOwner.Compose(FollowUp message, ResolvedStep step, int stepCount, CouponIssue? coupon, DateTimeOffset now)
    {
        if (message.To != Recipient.Webhook)
        {
            return Parcel.Mail(sender, mail.Compose(State, message, step, stepCount, coupon, now));
        }

        // Built now: the hand-off runs off the grain's turn, where its state is out of reach.
        var alert = OrderMail.Alert(State, message);
        return new Parcel("webhook", (_, cancellation) => webhook.SendAsync(alert, cancellation));
    }

    // Only a cart's messages carry the items an order could have bought.
    Task IFollowUpOwner.PurchasedAsync(string? orderId, DateTimeOffset now) => Task.CompletedTask;

    Task IFollowUpOwner.WriteStateAsync() => order.WriteStateAsync();

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: {Event} recorded and ignored ({Reason})")]
    private partial void LogIgnored(string orderId, string @event, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: delay {DelayId} answered with {Choice}")]
    private partial void LogDelayChoice(string orderId, string delayId, DelayOption choice);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId}: rated {Rating} of 5; alerting the shop")]
    private partial void LogLowRating(string orderId, int rating);
}
