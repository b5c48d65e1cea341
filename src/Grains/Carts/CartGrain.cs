using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Recovery.Coupons;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Mail;
using Orleans.Reminders;
using Orleans.Storage;

namespace Orleans.Recovery.Carts;

/// <summary>
/// Holds one cart and at most one reminder, for its next pending follow-up. Single-threaded, so the decision to
/// send and a purchase arriving can never interleave.
/// </summary>
public sealed partial class CartGrain(
    [PersistentState("cart", RecoveryStorage.Name)] IPersistentState<CartState> cart,
    [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock,
    CartReminderMail reminderMail,
    CouponCodes couponCodes,
    ILogger<CartGrain> logger) : Grain, ICartGrain, IRemindable
{
    public const string ReminderName = "follow-up";

    private CartState State => cart.State;

    private string CartId => this.GetPrimaryKeyString();

    private async Task<FlowDefinition> FlowAsync() =>
        (await GrainFactory.GetGrain<IFlowGrain>(FlowNames.CartAbandonment).GetAsync()).Definition;

    private ICustomerGrain CustomerOf(CartSnapshot snapshot) => GrainFactory.GetGrain<ICustomerGrain>(snapshot.Customer.Key);

    public async Task UpdateAsync(CartSnapshot snapshot)
    {
        var now = clock.GetUtcNow();
        var previous = State.Snapshot;
        State.Snapshot = snapshot;
        if (previous is not null && previous.Customer.Key != snapshot.Customer.Key)
        {
            await CustomerOf(previous).ForgetCartAsync(CartId);
        }

        if (State.Status == CartStatus.Purchased)
        {
            await SaveAsync();
            return;
        }

        if (snapshot.Items.IsEmpty)
        {
            State.FirstSeenAt ??= now;
            State.LastActivityAt = now;
            Stop(CartStatus.Deleted, SkipReason.CartEmptied, now);
            await SaveAsync();
            await CustomerOf(snapshot).ForgetCartAsync(CartId);
            return;
        }

        State.RecordActivity(now, await FlowAsync());

        // An order from this customer with these items may have arrived before the cart did.
        var boughtBy = await CustomerOf(snapshot).TrackCartAsync(CartId, snapshot.Skus, State.FirstSeenAt!.Value);
        if (boughtBy is not null)
        {
            State.PurchasedOrderId = boughtBy;
            Stop(CartStatus.Purchased, SkipReason.Purchased, now);
        }

        await SaveAsync();
    }

    public async Task<bool> CheckoutStartedAsync()
    {
        if (State.Snapshot is null)
        {
            return false;
        }

        if (State.Status == CartStatus.Active)
        {
            State.RecordActivity(clock.GetUtcNow(), await FlowAsync());
            await SaveAsync();
        }

        return true;
    }

    public async Task<bool> DeleteAsync()
    {
        if (State.Snapshot is not { } snapshot)
        {
            return false;
        }

        if (State.Status == CartStatus.Active)
        {
            Stop(CartStatus.Deleted, SkipReason.CartDeleted, clock.GetUtcNow());
            await SaveAsync();
            await CustomerOf(snapshot).ForgetCartAsync(CartId);
        }

        return true;
    }

    public async Task MarkPurchasedAsync(string orderId)
    {
        if (State.Status == CartStatus.Purchased)
        {
            return;
        }

        State.PurchasedOrderId = orderId;
        Stop(CartStatus.Purchased, SkipReason.Purchased, clock.GetUtcNow());
        await SaveAsync();
        LogPurchased(CartId);
    }

    public Task PurchasedElsewhereAsync(string orderId) => MarkPurchasedAsync(orderId);

    public async Task<string?> RecordClickAsync(string messageId)
    {
        if (State.Snapshot is not { } snapshot)
        {
            return null;
        }

        // Bounded so a link shared widely cannot grow the state without limit.
        if (State.Clicks.Count < 100)
        {
            State.Clicks.Add(new LinkClick(messageId, clock.GetUtcNow()));
            await SaveAsync();
        }

        return snapshot.RestoreUrl;
    }

    public Task<CartView?> GetViewAsync() => Task.FromResult(State.Status == CartStatus.Unknown
        ? null
        : new CartView(
            CartId,
            State.Status,
            State.Snapshot,
            State.PurchasedOrderId,
            State.LastActivityAt,
            State.HasPendingStep ? State.NextStep + 1 : null,
            State.NextDueAt,
            [.. State.Messages],
            [.. State.Clicks],
            State.WakeAt));

    public async Task RetimeAsync(string flow, FlowDefinition definition)
    {
        if (flow != FlowNames.CartAbandonment || !State.HasPendingStep)
        {
            return;
        }

        var due = State.NextDueAt;
        State.Retime(CartId, definition, clock.GetUtcNow());
        if (State.NextDueAt != due)
        {
            // An earlier step re-arms the reminder; a later one leaves it, and its early tick sleeps until the step.
            await SaveAsync();
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        var now = clock.GetUtcNow();
        var flow = await FlowAsync();
        State.Retime(CartId, flow, now);
        if (!State.HasPendingStep)
        {
            // A stray tick (a duplicate, or one left by a crash between a write and an unregister).
            State.ReminderDueAt = null;
            await cart.WriteStateAsync();
            await FollowUpReminder.UnregisterAsync(this, ReminderName);
            return;
        }

        if (!State.IsDue(now))
        {
            // Activity, a retry back-off, a deferral or a longer delay moved the step later: the reminder, having
            // fired, is armed afresh for exactly then rather than tick every minute.
            await SaveAsync();
            return;
        }

        await RunDueStepsAsync(now, flow);
        await SaveAsync();
    }

    private async Task RunDueStepsAsync(DateTimeOffset now, FlowDefinition flow)
    {
        var snapshot = State.Snapshot!;
        while (State.IsDue(now))
        {
            if (State.IsExpired(now, flow))
            {
                LogSkipped(CartId, State.NextStep + 1, SkipReason.Expired);
                State.Skip(CartId, SkipReason.Expired, now, flow);
                continue;
            }

            var messageId = CartState.MessageId(CartId, State.NextStep);
            if (State.WasSent(messageId))
            {
                State.Advance(now, flow);
                continue;
            }

            // Decided here, at send time: a purchase or unsubscribe that reached the customer first wins, and the
            // customer's quiet hours and frequency cap may put the step off.
            var step = flow.Steps[State.NextStep];
            var decision = await CustomerOf(snapshot).RequestSendAsync(new SendRequest(messageId, Marketing: true, snapshot.Customer.TimeZone, snapshot.Customer.Country)
            {
                CartSkus = snapshot.Skus,
                CartFirstSeenAt = State.FirstSeenAt,
                Experiment = $"{FlowNames.CartAbandonment}/{step.Name}",
                Variants = [.. step.Variants.Select(variant => new VariantWeight(variant.Name, variant.Weight))],
            });
            switch (decision.Outcome)
            {
                case SendOutcome.Purchased:
                    State.PurchasedOrderId = decision.PurchasedOrderId;
                    Stop(CartStatus.Purchased, SkipReason.Purchased, now);
                    return;
                case SendOutcome.Refused:
                    Stop(CartStatus.Active, decision.Reason!, now);
                    return;
                case SendOutcome.Deferred:
                    State.Defer(CartId, decision.Reason!, decision.Until!.Value, now);
                    LogDeferred(CartId, State.NextStep + 1, decision.Reason!, decision.Until!.Value);
                    return;
            }

            await SendStepAsync(snapshot, flow, step.Resolve(decision.Variant), messageId, now);
            now = clock.GetUtcNow();
        }
    }

    private async Task SendStepAsync(CartSnapshot snapshot, FlowDefinition flow, ResolvedStep step, string messageId, DateTimeOffset now)
    {
        CouponIssue? coupon = null;
        if (step.DiscountPercent is { } percent)
        {
            var code = couponCodes.For(messageId, percent);
            coupon = await GrainFactory.GetGrain<ICouponGrain>(code).IssueAsync(
                new CouponIssue(code, percent, now, now + step.CouponValidity, messageId, FlowNames.CartAbandonment, snapshot.Customer.Key));
        }

        var mail = reminderMail.Compose(snapshot, flow, State.NextStep, step, coupon, messageId, now);

        // The claim: this write carries the ETag, so a stale duplicate activation fails here and sends nothing.
        var claim = State.Claim(messageId, mail.Subject, step.Variant, coupon?.Code, now);
        await cart.WriteStateAsync();

        DeliveryResult result;
        try
        {
            result = await GrainFactory.GetGrain<IMailGrain>(messageId).DeliverAsync(mail);
        }
        catch (Exception exception) when (exception is not InconsistentStateException)
        {
            LogDeliveryCallFailed(exception, CartId, claim.Step);
            result = new DeliveryResult(DeliveryOutcome.TransientFailure, exception.GetType().Name);
        }

        if (State.Settle(claim, result, clock.GetUtcNow(), flow))
        {
            await CustomerOf(snapshot).SuppressAsync(SkipReason.InvalidAddress);
        }

        if (result.Outcome is DeliveryOutcome.Rejected or DeliveryOutcome.MailboxUnavailable)
        {
            await CustomerOf(snapshot).ReleaseSendAsync(messageId);
        }

        LogOutcome(CartId, claim.Step, claim.Attempts, result.Outcome, result.Detail);
    }

    /// <summary>Ends the flow; a pending step is logged as skipped, in the cart's message log and here.</summary>
    private void Stop(CartStatus status, string reason, DateTimeOffset now)
    {
        if (State.HasPendingStep)
        {
            LogSkipped(CartId, State.NextStep + 1, reason);
        }

        State.Cancel(CartId, status, reason, now);
    }

    private async Task SaveAsync() =>
        State.ReminderDueAt = await FollowUpReminder.SaveAsync(this, ReminderName, State.WakeAt, State.ReminderDueAt, clock, armed =>
        {
            State.ReminderDueAt = armed;
            return cart.WriteStateAsync();
        });

    [LoggerMessage(Level = LogLevel.Information, Message = "Cart {CartId}: step {Step}, attempt {Attempts}: {Outcome} {Detail}")]
    private partial void LogOutcome(string cartId, int step, int attempts, DeliveryOutcome outcome, string? detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cart {CartId}: the mail grain could not be reached for step {Step}")]
    private partial void LogDeliveryCallFailed(Exception exception, string cartId, int step);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cart {CartId}: step {Step} skipped ({Reason})")]
    private partial void LogSkipped(string cartId, int step, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cart {CartId}: step {Step} deferred ({Reason}) until {Until}")]
    private partial void LogDeferred(string cartId, int step, string reason, DateTimeOffset until);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cart {CartId}: purchased; follow-ups cancelled")]
    private partial void LogPurchased(string cartId);
}
