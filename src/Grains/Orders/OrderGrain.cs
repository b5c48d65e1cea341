using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Coupons;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Feedback;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Mail;
using Orleans.Reminders;
using Orleans.Storage;

namespace Orleans.Recovery.Orders;

/// <summary>
/// One order and the messages its flows owe: the incomplete-payment sequence and the post-purchase notices. Each
/// event queues messages in the state's outbox first; a timer sends them right after the event's call returns, and
/// the reminder sends whatever a crash or an SMTP outage left behind.
/// </summary>
public sealed partial class OrderGrain(
    [PersistentState("order", RecoveryStorage.Name)] IPersistentState<OrderState> order,
    [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock,
    OrderMail mail,
    CouponCodes couponCodes,
    AlertWebhook webhook,
    IOptionsMonitor<AlertOptions> alerts,
    ILogger<OrderGrain> logger) : Grain, IOrderGrain, IRemindable
{
    public const string ReminderName = "order-follow-up";

    private IGrainTimer? _sendSoon;

    private OrderState State => order.State;

    private string OrderId => this.GetPrimaryKeyString();

    private ICustomerGrain Customer => GrainFactory.GetGrain<ICustomerGrain>(State.Order!.Customer.Key);

    private async Task<FlowDefinition> FlowAsync(string flow) => (await GrainFactory.GetGrain<IFlowGrain>(flow).GetAsync()).Definition;

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
            var now = clock.GetUtcNow();
            State.Order = placed;
            State.ReceivedAt = now;
            if (placed.PaymentStatus == PaymentStatus.Paid)
            {
                State.PaidAt = now;
                QueueConfirmation(now);
            }

            await SaveAndSendAsync();
        }

        return first;
    }

    public Task<OrderEventOutcome> PaymentFailedAsync(PaymentFailureReason reason, string retryUrl) => OnEventAsync(async now =>
    {
        var repeated = State.PaymentFailure is { } known && known.Reason == reason && known.RetryUrl == retryUrl && State.PaidAt is null;
        State.PaymentFailure = new PaymentFailure(reason, retryUrl, now);
        State.PaidAt = null;
        if (!State.PaymentSequenceStarted)
        {
            State.PaymentSequenceStarted = true;
            var flow = await FlowAsync(FlowNames.IncompletePayment);
            QueuePaymentStep(0, now, flow);
            return OrderEventOutcome.Recorded;
        }

        return repeated ? OrderEventOutcome.Repeated : OrderEventOutcome.Recorded;
    });

    public Task<OrderEventOutcome> PaymentSucceededAsync() => OnEventAsync(now =>
    {
        if (State.PaidAt is not null)
        {
            return Task.FromResult(OrderEventOutcome.Repeated);
        }

        State.PaidAt = now;
        Stop(State.Cancel(message => message.Flow == FlowNames.IncompletePayment, SkipReason.PaymentSucceeded, now), SkipReason.PaymentSucceeded);
        QueueConfirmation(now);
        return Task.FromResult(OrderEventOutcome.Recorded);
    });

    public Task<OrderEventOutcome> AddShipmentAsync(Shipment shipment) => OnEventAsync(now =>
    {
        if (State.Shipments.Exists(s => s.ShipmentId == shipment.ShipmentId) || !State.HasRoomFor(State.Shipments))
        {
            return Task.FromResult(OrderEventOutcome.Repeated);
        }

        State.Shipments.Add(shipment);
        QueueNotice($"{PostPurchaseSteps.Shipment}-{shipment.ShipmentId}", PostPurchaseSteps.Shipment, shipment.ShipmentId, now);
        return Task.FromResult(OrderEventOutcome.Recorded);
    });

    public Task<OrderEventOutcome> AddDelayAsync(Delay delay) => OnEventAsync(now =>
    {
        if (State.Delays.Exists(d => d.Delay.DelayId == delay.DelayId) || !State.HasRoomFor(State.Delays))
        {
            return Task.FromResult(OrderEventOutcome.Repeated);
        }

        State.Delays.Add(new DelayRecord(delay, now));
        QueueNotice($"{PostPurchaseSteps.Delay}-{delay.DelayId}", PostPurchaseSteps.Delay, delay.DelayId, now);
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
        QueueNotice(PostPurchaseSteps.Delivered, PostPurchaseSteps.Delivered, null, now);
        var review = (await FlowAsync(FlowNames.PostPurchase)).Step(PostPurchaseSteps.ReviewRequest)!;
        State.Enqueue(new PendingMessage
        {
            MessageId = OrderState.MessageId(OrderId, FlowNames.PostPurchase, PostPurchaseSteps.ReviewRequest),
            Flow = FlowNames.PostPurchase,
            Step = PostPurchaseSteps.ReviewRequest,
            StepNumber = PostPurchaseSteps.All.Count,
            DueAt = at + review.Delay,
            TimedFrom = at,
            Marketing = true,
        });
        return OrderEventOutcome.Recorded;
    });

    public Task<OrderEventOutcome> CancelAsync() => OnEventAsync(now =>
    {
        State.CancelledAt = now;

        // Alerts to the shop still go: an unhappy customer who cancelled is still worth a call.
        Stop(State.Cancel(message => message.To == Recipient.Customer, SkipReason.OrderCancelled, now), SkipReason.OrderCancelled);
        return Task.FromResult(OrderEventOutcome.Recorded);
    }, allowedWhenCancelled: true);

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
        State.Delays[index] = State.Delays[index] with { Choice = choice, ChoiceAt = clock.GetUtcNow() };
        await order.WriteStateAsync();
        LogDelayChoice(OrderId, delayId, choice);
        return true;
    }

    public async Task<bool> RecordRatingAsync(int rating)
    {
        if (State.Order is null || rating is < 1 or > 5)
        {
            return false;
        }

        var now = clock.GetUtcNow();
        State.Rating = new Rating(rating, now);

        // The alert's message id is the same for every rating of the order, so a shopper who rates low twice, or a
        // changed rating, never alerts the shop a second time.
        if (rating <= alerts.CurrentValue.RatingThreshold && QueueAlert(FeedbackSteps.Alert, Recipient.Support, now))
        {
            LogLowRating(OrderId, rating);
            if (webhook.IsConfigured)
            {
                QueueAlert(FeedbackSteps.Webhook, Recipient.Webhook, now);
            }
        }

        await SaveAndSendAsync();
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
        [.. State.Messages],
        [.. State.Outbox.Select(m => new PendingMessageView(m.MessageId, m.Flow, m.StepNumber, m.DueAt, m.WakeAt, m.Attempts))]));

    public async Task RetimeAsync(string flow, FlowDefinition definition)
    {
        if (State.Order is not null && State.Retime(flow, definition))
        {
            await SaveAndSendAsync();
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (State.Order is null || State.Outbox.Count == 0)
        {
            State.ReminderDueAt = null;
            await order.WriteStateAsync();
            await FollowUpReminder.UnregisterAsync(this, ReminderName);
            return;
        }

        // Saves with the reminder, having fired, armed afresh for exactly the next step, however far away.
        await SendDueAsync();
    }

    private async Task<OrderEventOutcome> OnEventAsync(Func<DateTimeOffset, Task<OrderEventOutcome>> apply, bool allowedWhenCancelled = false)
    {
        if (State.Order is null)
        {
            return OrderEventOutcome.UnknownOrder;
        }

        if (State.IsCancelled)
        {
            return allowedWhenCancelled ? OrderEventOutcome.Repeated : OrderEventOutcome.Cancelled;
        }

        var outcome = await apply(clock.GetUtcNow());
        if (outcome == OrderEventOutcome.Recorded)
        {
            await SaveAndSendAsync();
        }

        return outcome;
    }

    private void QueueConfirmation(DateTimeOffset now) =>
        QueueNotice(PostPurchaseSteps.Confirmation, PostPurchaseSteps.Confirmation, null, now);

    private void QueueNotice(string id, string step, string? subject, DateTimeOffset now) => State.Enqueue(new PendingMessage
    {
        MessageId = OrderState.MessageId(OrderId, FlowNames.PostPurchase, id),
        Flow = FlowNames.PostPurchase,
        Step = step,
        StepNumber = PostPurchaseSteps.Number(step),
        Subject = subject,
        DueAt = now,
    });

    private void QueuePaymentStep(int index, DateTimeOffset from, FlowDefinition flow)
    {
        if (index >= flow.Steps.Count || State.PaidAt is not null || State.IsCancelled)
        {
            return;
        }

        State.Enqueue(new PendingMessage
        {
            MessageId = OrderState.MessageId(OrderId, FlowNames.IncompletePayment, (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Flow = FlowNames.IncompletePayment,
            Step = flow.Steps[index].Name,
            StepNumber = index + 1,
            DueAt = from + OrderState.DelayOf(FlowNames.IncompletePayment, flow, index),
            TimedFrom = from,
            Marketing = true,
        });
    }

    private bool QueueAlert(string step, Recipient to, DateTimeOffset now) => State.Enqueue(new PendingMessage
    {
        MessageId = OrderState.MessageId(OrderId, FlowNames.PostPurchase, step),
        Flow = FlowNames.PostPurchase,
        Step = step,
        StepNumber = PostPurchaseSteps.All.Count + 1,
        DueAt = now,
        To = to,
    });

    /// <summary>Writes the state with the reminder armed, then sends what is due as soon as this call returns.</summary>
    private async Task SaveAndSendAsync()
    {
        await SaveAsync();
        if (State.WakeAt is { } wake && wake <= clock.GetUtcNow() && _sendSoon is null)
        {
            _sendSoon = this.RegisterGrainTimer(async () =>
            {
                _sendSoon?.Dispose();
                _sendSoon = null;
                await SendDueAsync();
            }, new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = Timeout.InfiniteTimeSpan });
        }
    }

    private async Task SendDueAsync()
    {
        var flows = new Dictionary<string, FlowDefinition>();
        async Task<FlowDefinition> Flow(string name) => flows.TryGetValue(name, out var known) ? known : flows[name] = await FlowAsync(name);

        // Steps timed by a flow's delays follow the flow as it is now, so a change this order missed (its silo was
        // down during the sweep) still reaches them.
        foreach (var flow in State.Outbox.Where(message => message.TimedFrom is not null).Select(message => message.Flow).Distinct().ToList())
        {
            State.Retime(flow, await Flow(flow));
        }

        var now = clock.GetUtcNow();
        foreach (var message in State.Outbox.Where(message => message.IsDue(now)).OrderBy(message => message.DueAt).ToList())
        {
            await SendAsync(message, await Flow(message.Flow), now);
            now = clock.GetUtcNow();
        }

        await SaveAsync();
    }

    private async Task SendAsync(PendingMessage message, FlowDefinition flow, DateTimeOffset now)
    {
        if (message.IsExpired(now, flow.Expiry))
        {
            Skip(message, SkipReason.Expired, now);
            if (message.Flow == FlowNames.IncompletePayment)
            {
                QueuePaymentStep(message.StepNumber, message.DueAt, flow);
            }

            return;
        }

        var step = message.To == Recipient.Customer ? flow.Step(message.Step) : null;
        if (message.To == Recipient.Customer && step is null)
        {
            // The operator removed this step from the flow before it was sent.
            Skip(message, SkipReason.StepRemoved, now);
            return;
        }

        string? variant = null;
        if (message.To == Recipient.Customer)
        {
            var profile = State.Order!.Customer;
            var decision = await Customer.RequestSendAsync(new SendRequest(message.MessageId, message.Marketing, profile.TimeZone, profile.Country)
            {
                Experiment = $"{message.Flow}/{step!.Name}",
                Variants = [.. step.Variants.Select(v => new VariantWeight(v.Name, v.Weight))],
            });
            switch (decision.Outcome)
            {
                case SendOutcome.Deferred:
                    State.Defer(message, decision.Reason!, decision.Until!.Value, now);
                    LogDeferred(OrderId, message.Flow, message.Step, decision.Reason!, decision.Until!.Value);
                    return;
                case SendOutcome.Refused or SendOutcome.Purchased:
                    Skip(message, decision.Reason!, now);
                    return;
            }

            variant = decision.Variant;
        }

        if (message.To == Recipient.Webhook)
        {
            await DeliverAsync(message, flow, State.Claim(message, "webhook", null, null, now), () => webhook.SendAsync(OrderMail.Alert(State, message), CancellationToken.None));
            return;
        }

        var resolved = step?.Resolve(variant) ?? new ResolvedStep(message.Step, null, FeedbackSteps.AlertTemplate, null, null, TimeSpan.Zero);
        CouponIssue? coupon = null;
        if (message.Marketing && resolved.DiscountPercent is { } percent)
        {
            var code = couponCodes.For(message.MessageId, percent);
            coupon = await GrainFactory.GetGrain<ICouponGrain>(code).IssueAsync(
                new CouponIssue(code, percent, now, now + resolved.CouponValidity, message.MessageId, message.Flow, State.Order!.Customer.Key));
        }

        var outgoing = mail.Compose(State, message, resolved, flow.Steps.Count, coupon, now);
        await DeliverAsync(message, flow, State.Claim(message, outgoing.Subject, variant, coupon?.Code, now), () => GrainFactory.GetGrain<IMailGrain>(message.MessageId).DeliverAsync(outgoing));
    }

    private async Task DeliverAsync(PendingMessage message, FlowDefinition flow, MessageRecord claim, Func<Task<DeliveryResult>> deliver)
    {
        // The claim: this write carries the ETag, so a stale duplicate activation fails here and sends nothing.
        await order.WriteStateAsync();
        DeliveryResult result;
        try
        {
            result = await deliver();
        }
        catch (Exception exception) when (exception is not InconsistentStateException)
        {
            LogDeliveryCallFailed(exception, OrderId, message.Step);
            result = new DeliveryResult(DeliveryOutcome.TransientFailure, exception.GetType().Name);
        }

        var at = clock.GetUtcNow();
        switch (result.Outcome)
        {
            case DeliveryOutcome.Delivered or DeliveryOutcome.AlreadyDelivered:
                State.Outbox.Remove(message);
                State.Log(claim with { Status = MessageStatus.Sent, At = at, ClaimedAt = claim.At });
                if (message.Flow == FlowNames.IncompletePayment)
                {
                    // The next step keeps its spacing from this one, however late this one went out.
                    QueuePaymentStep(message.StepNumber, at, flow);
                }

                break;
            case DeliveryOutcome.TransientFailure:
                State.Log(claim with { Reason = SkipReason.TransientFailure, At = at });
                message.RetryAt = at + MessageLog.RetryDelay(message.Attempts);
                break;
            default:
                var reason = result.Outcome == DeliveryOutcome.MailboxUnavailable && message.To == Recipient.Customer ? SkipReason.InvalidAddress : SkipReason.Rejected;
                State.Outbox.Remove(message);
                State.Log(claim with { Status = MessageStatus.Failed, Reason = reason, At = at, ClaimedAt = claim.At });
                if (message.To == Recipient.Customer)
                {
                    await Customer.ReleaseSendAsync(message.MessageId);
                    if (reason == SkipReason.InvalidAddress)
                    {
                        await Customer.SuppressAsync(SkipReason.InvalidAddress);
                    }
                }

                break;
        }

        LogOutcome(OrderId, message.Flow, message.Step, claim.Attempts, result.Outcome, result.Detail);
    }

    private void Skip(PendingMessage message, string reason, DateTimeOffset now)
    {
        State.Skip(message, reason, now);
        LogSkipped(OrderId, message.Flow, message.Step, reason);
    }

    private void Stop(List<PendingMessage> cancelled, string reason)
    {
        foreach (var message in cancelled)
        {
            LogSkipped(OrderId, message.Flow, message.Step, reason);
        }
    }

    private async Task SaveAsync() =>
        State.ReminderDueAt = await FollowUpReminder.SaveAsync(this, ReminderName, State.WakeAt, State.ReminderDueAt, clock, armed =>
        {
            State.ReminderDueAt = armed;
            return order.WriteStateAsync();
        });

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: {Flow} {Step}, attempt {Attempts}: {Outcome} {Detail}")]
    private partial void LogOutcome(string orderId, string flow, string step, int attempts, DeliveryOutcome outcome, string? detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: {Flow} {Step} skipped ({Reason})")]
    private partial void LogSkipped(string orderId, string flow, string step, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: {Flow} {Step} deferred ({Reason}) until {Until}")]
    private partial void LogDeferred(string orderId, string flow, string step, string reason, DateTimeOffset until);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId}: the mail grain could not be reached for {Step}")]
    private partial void LogDeliveryCallFailed(Exception exception, string orderId, string step);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OrderId}: delay {DelayId} answered with {Choice}")]
    private partial void LogDelayChoice(string orderId, string delayId, DelayOption choice);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderId}: rated {Rating} of 5; alerting the shop")]
    private partial void LogLowRating(string orderId, int rating);
}
