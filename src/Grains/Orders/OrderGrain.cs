using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Coupons;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Feedback;
using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Retention;

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
    AlertWebhook webhook,
    IOptionsMonitor<AlertOptions> alerts,
    IOptionsMonitor<RetentionOptions> retention,
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
        Engine.Resume();
        return Task.CompletedTask;
    }

    /// <summary>Writes claims only the customer holds so far, so whichever activation takes over settles them (<see cref="FollowUpEngine.DeactivatingAsync"/>).</summary>
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        _engine?.DeactivatingAsync() ?? Task.CompletedTask;

    public async Task<bool> PlaceAsync(OrderPlaced placed)
    {
        // Cart and customer first, both idempotent: if we crash before the write below, the storefront's retry
        // repeats them, and a recorded order has always cancelled its carts.
        if (placed.CartId is { } cartId)
        {
            await GrainFactory.GetGrain<ICartGrain>(cartId).MarkPurchasedAsync(placed.OrderId);
        }

        var now = followUps.Clock.GetUtcNow();
        await GrainFactory.GetGrain<ICustomerGrain>(followUps.CustomerKeys.Of(placed.Customer)).OrderPlacedAsync(
            placed.OrderId, placed.CartId, placed.Skus, placed.PaymentStatus == PaymentStatus.Paid, placed.Customer.ConsentAt(now, placed.CartId));
        var first = State.Place(placed, now);
        if (first)
        {
            await Engine.SaveAndSendAsync();
        }

        return first;
    }

    public Task<OrderEventOutcome> PaymentFailedAsync(PaymentFailureReason reason, string retryUrl) => OnEventAsync(async now =>
    {
        var outcome = State.PaymentFailed(reason, retryUrl, now, await followUps.Flows.GetAsync(FlowNames.IncompletePayment), out var ignoredBecause);
        if (ignoredBecause is not null)
        {
            LogIgnored(OrderId, "payment-failed", ignoredBecause);
        }

        return outcome;
    });

    public Task<OrderEventOutcome> PaymentSucceededAsync() => OnEventAsync(async now =>
    {
        var outcome = State.PaymentSucceeded(now);
        if (outcome == OrderEventOutcome.Recorded)
        {
            // A paying customer: the existing-customer exception may let cart reminders reach them.
            await GrainFactory.GetGrain<ICustomerGrain>(followUps.CustomerKeys.Of(State.Order!.Customer)).OrderPaidAsync(OrderId);
            await Engine.CancelAsync(message => message.Flow == FlowNames.IncompletePayment, SkipReason.PaymentSucceeded, now);
        }

        return outcome;
    });

    public Task<OrderEventOutcome> AddShipmentAsync(Shipment shipment) => OnEventAsync(now => Task.FromResult(State.AddShipment(shipment, now)));

    public Task<OrderEventOutcome> AddDelayAsync(Delay delay) => OnEventAsync(now => Task.FromResult(State.AddDelay(delay, now)));

    public Task<OrderEventOutcome> DeliveredAsync(DateTimeOffset? deliveredAt) =>
        OnEventAsync(async now => State.Delivered(deliveredAt, now, await followUps.Flows.GetAsync(FlowNames.PostPurchase)));

    public async Task<OrderEventOutcome> CancelAsync()
    {
        var now = followUps.Clock.GetUtcNow();
        var outcome = State.Cancel(now);
        if (outcome == OrderEventOutcome.Recorded)
        {
            // Alerts to the shop still go: an unhappy customer who cancelled is still worth a call.
            await Engine.CancelAsync(message => message.To == Recipient.Customer, SkipReason.OrderCancelled, now);
            await Engine.SaveAndSendAsync();
        }

        return outcome;
    }

    public Task<DelayRecord?> GetDelayAsync(string delayId) =>
        Task.FromResult(State.Delays.Find(d => d.Delay.DelayId == delayId)?.KnownOptionsOnly());

    public async Task<bool> RecordDelayChoiceAsync(string delayId, DelayOption choice)
    {
        if (!State.ChooseDelay(delayId, choice, followUps.Clock.GetUtcNow()))
        {
            return false;
        }

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

        if (State.Rate(rating, alerts.CurrentValue.RatingThreshold, webhook.IsConfigured, followUps.Clock.GetUtcNow()))
        {
            LogLowRating(OrderId, rating);
        }

        await Engine.SaveAndSendAsync();
        return true;
    }

    public Task<OrderView?> GetViewAsync() => Task.FromResult(State.View());

    public async Task<bool> ForgetIfRetiredAsync()
    {
        if (!State.IsRetired(followUps.Clock.GetUtcNow() - retention.CurrentValue.After))
        {
            return false;
        }

        await Engine.ForgetAsync(order.ClearStateAsync);
        DeactivateOnIdle();
        return true;
    }

    bool IFollowUpOwner.ErasedBy(DateTimeOffset erasedAt) => false;

    Task IFollowUpOwner.ErasedAsync() => EraseAsync();

    public async Task EraseAsync()
    {
        await Engine.CancelAsync(_ => true, SkipReason.Erased, followUps.Clock.GetUtcNow());
        await Engine.ForgetAsync(order.ClearStateAsync);
        DeactivateOnIdle();
    }

    public Task RetimeAsync(string flow, FlowDefinition definition) => State.Order is null ? Task.CompletedTask : Engine.RetimeAsync(flow, definition);

    public Task SettleAsync(string messageId, int attempt, DeliveryResult result) => Engine.SettleAsync(messageId, attempt, result);

    public Task<bool> IsOwedAsync(string messageId, int attempt) => Task.FromResult(Engine.IsOwed(messageId, attempt));

    public Task<bool> RecordMailEventAsync(string messageId, Mail.Bounces.MailEvent mailEvent) => Engine.RecordMailEventAsync(messageId, mailEvent);

    public Task ReceiveReminder(string reminderName, TickStatus status) => Engine.TickAsync();

    public Task LedgerConfirmedAsync() => Engine.LedgerConfirmedAsync();

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

    Outbox IFollowUpOwner.Outbox => State.Outbox;

    string IFollowUpOwner.CustomerKey => followUps.CustomerKeys.Of(State.Order!.Customer);

    IFollowUpPlan IFollowUpOwner.PlanFor(FollowUp message) => message.To == Recipient.Customer ? Plans[message.Flow] : FeedbackAlertPlan.Instance;

    SendRequest IFollowUpOwner.RequestFor(FollowUp message) =>
        new(message.MessageId, message.Marketing, State.Order!.Customer.TimeZone, State.Order.Customer.Country);

    Parcel IFollowUpOwner.Compose(FollowUp message, ResolvedStep step, int stepCount, CouponIssue? coupon, DateTimeOffset now)
    {
        if (message.To != Recipient.Webhook)
        {
            return Parcel.Of(mail.Compose(State, message, step, stepCount, coupon, now));
        }

        // Built now: the mail grain that hands it over has none of the order's state.
        return Parcel.Of(OrderMail.Alert(State, message));
    }

    // Only a cart's messages carry the items an order could have bought.
    Task IFollowUpOwner.PurchasedAsync(string? orderId, DateTimeOffset now) => Task.CompletedTask;

    Task IFollowUpOwner.WriteStateAsync() => order.WriteStateAsync();

    LedgerOwner IFollowUpOwner.LedgerOwner => new(LedgerOwner.Order, OrderId, (State.Order is { } placedOrder ? followUps.CustomerKeys.Of(placedOrder.Customer) : null), State.Order?.Customer.CustomerId);

    Lead? IFollowUpOwner.Lead => State.ToLead();

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: {Event} recorded and ignored ({Reason})")]
    private partial void LogIgnored(string orderId, string @event, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: delay {DelayId} answered with {Choice}")]
    private partial void LogDelayChoice(string orderId, string delayId, DelayOption choice);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId}: rated {Rating} of 5; alerting the shop")]
    private partial void LogLowRating(string orderId, int rating);
}
