using Microsoft.Extensions.Logging;
using Orleans.Recovery.Coupons;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Mail;
using Orleans.Storage;

namespace Orleans.Recovery.FollowUps;

/// <summary>
/// Sends one grain's follow-ups, whatever their flow: the customer check, the coupon, composing, the claim, the
/// hand-off and the settling of its outcome, under the grain's one reminder. The hand-off runs outside the grain's
/// turns, so the storefront's calls (a purchase, a cancellation) never wait on the relay, and withdraw a message still
/// waiting for a connection. Its outcome comes back as a call of the grain's own.
/// </summary>
public sealed partial class FollowUpEngine(Grain grain, IFollowUpOwner owner, string reminderName, FollowUpServices services)
{
    private readonly HandOffs _handOffs = new(services.Logger);
    private readonly LedgerFeed _ledger = new(services.Ledger, services.Clock, services.Logger);
    private readonly ILogger _logger = services.Logger;
    private IGrainTimer? _soon;

    private Outbox Outbox => owner.Outbox;

    private TimeProvider Clock => services.Clock;

    private ICustomerGrain Customer => services.Grains.GetGrain<ICustomerGrain>(owner.CustomerKey);

    /// <summary>
    /// Writes the owner's state with the reminder armed for the outbox's next wake, however far away, then appends its
    /// ledger entries. A grain left with nothing to wake for keeps its reminder until the ledger has them.
    /// </summary>
    public async Task SaveAsync()
    {
        _ledger.BeforeWrite(Outbox.Journal);
        var lead = owner.Lead;
        Task<bool> appended = Task.FromResult(true);
        var keptForLedger = false;
        Outbox.ReminderDueAt = await FollowUpReminder.SaveAsync(grain, reminderName, Outbox.WakeAt, Outbox.ReminderDueAt, Clock, async armed =>
        {
            Outbox.ReminderDueAt = armed;
            await owner.WriteStateAsync();
            appended = _ledger.SendAsync(Outbox.Journal, owner.LedgerOwner, lead);
        }, _ledger.Owes(Outbox.Journal, lead) ? () =>
        {
            keptForLedger = appended is not { IsCompletedSuccessfully: true, Result: true };
            return appended;
        } : null);
        if (keptForLedger)
        {
            // Nothing left to send: the reminder stays only until the ledger has the entries, and goes once it does.
            _ledger.TellWhenConfirmed(grain, appended);
        }
    }

    /// <summary>The ledger took an append: a grain with nothing left to send removes the reminder it kept for it.</summary>
    public async Task LedgerConfirmedAsync()
    {
        if (Outbox.Pending.Count == 0 && _ledger.Confirmed(Outbox.Journal, owner.Lead))
        {
            await FollowUpReminder.UnregisterAsync(grain, reminderName);
        }
    }

    /// <summary>On activation: appends again what the stored journal holds, which a crash may have kept from the ledger.</summary>
    public void Resume()
    {
        if (Outbox.Journal.Entries.Count > 0)
        {
            _ = _ledger.SendAsync(Outbox.Journal, owner.LedgerOwner, owner.Lead);
        }
    }

    /// <summary>Saves, and sends what is due as soon as the current call returns.</summary>
    public async Task SaveAndSendAsync()
    {
        await SaveAsync();
        if (Outbox.Pending.Exists(message => message.IsDue(Clock.GetUtcNow()) && !_handOffs.IsRunning(message.MessageId)) && _soon is null)
        {
            _soon = grain.RegisterGrainTimer(async () =>
            {
                _soon?.Dispose();
                _soon = null;
                await SendDueAsync();
            }, new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = Timeout.InfiniteTimeSpan });
        }
    }

    /// <summary>The reminder fired: sends what is due, or, for a stray tick, removes the reminder.</summary>
    public async Task TickAsync()
    {
        await SettleUnsettledAsync();
        if (Outbox.Pending.Count == 0)
        {
            // A duplicate tick, or one left by a crash between a write and an unregister, or kept for the ledger's
            // entries: the save removes it once the ledger has them.
            Outbox.ReminderDueAt ??= Clock.GetUtcNow();
            await SaveAsync();
            return;
        }

        await SendDueAsync();
    }

    /// <summary>Times the waiting steps of <paramref name="flow"/> on a changed definition, so a shorter delay is kept too.</summary>
    public async Task RetimeAsync(string flow, FlowDefinition definition)
    {
        if (await RetimeAsync(flow, definition, Clock.GetUtcNow()))
        {
            await SaveAndSendAsync();
        }
    }

    /// <summary>Withdraws the pending messages that match, each logged skipped with <paramref name="reason"/>; their places under the cap are given back.</summary>
    public async Task CancelAsync(Predicate<FollowUp> match, string reason, DateTimeOffset now)
    {
        foreach (var message in Outbox.Cancel(match, reason, now))
        {
            await _handOffs.WithdrawAsync(message.MessageId);
            await ReleaseAsync(message);
            LogSkipped(message.MessageId, reason);
        }
    }

    /// <summary>
    /// Gives the ledger what it has not confirmed and takes the grain's lead out of it, removes the grain's reminder, then
    /// its state: a crash in between leaves state the next sweep clears, never a reminder on nothing. While the ledger
    /// cannot take the entries the grain keeps everything and throws: the next sweep, or the operator, asks again.
    /// </summary>
    public async Task ForgetAsync(Func<Task> clearState)
    {
        await _handOffs.WithdrawAllAsync();
        Outbox.Journal.Add(new Forgotten { At = Clock.GetUtcNow() });
        if (!await _ledger.SendAsync(Outbox.Journal, owner.LedgerOwner, lead: null))
        {
            throw new LedgerUnavailableException();
        }

        await FollowUpReminder.UnregisterAsync(grain, reminderName);
        await clearState();
    }

    /// <summary>Sends every message that is due: checks, claims them all in one write, then hands them over.</summary>
    public async Task SendDueAsync()
    {
        var definitions = new Dictionary<string, FlowDefinition>();
        async Task<FlowDefinition?> DefinitionOf(IFollowUpPlan plan) => plan.Flow is not { } flow
            ? null
            : definitions.TryGetValue(flow, out var known) ? known : definitions[flow] = await services.Flows.GetAsync(flow);

        // Steps timed by a flow's delays follow the flow as it is now, so a change this grain missed still reaches them.
        foreach (var plan in Outbox.Pending.Where(message => message.TimedFrom is not null).Select(owner.PlanFor).DistinctBy(plan => plan.Flow).ToList())
        {
            if (await DefinitionOf(plan) is { } definition)
            {
                await RetimeAsync(plan.Flow!, definition, Clock.GetUtcNow());
            }
        }

        var now = Clock.GetUtcNow();
        var claimed = new List<(FollowUp Message, Parcel Parcel, SendRequest? Request)>();
        foreach (var message in Outbox.Pending.Where(message => message.IsDue(now) && !_handOffs.IsRunning(message.MessageId)).OrderBy(message => message.DueAt).ToList())
        {
            // A purchase found on the way may have withdrawn it.
            if (Outbox.Find(message.MessageId) == message)
            {
                var plan = owner.PlanFor(message);
                if (await PrepareAsync(message, plan, await DefinitionOf(plan), now) is { } prepared)
                {
                    claimed.Add((message, prepared.Parcel, prepared.Request));
                }
            }
        }

        // The claims, skips and deferrals in one write, with the ETag: a stale duplicate activation fails here and sends nothing.
        await SaveAsync();
        foreach (var (message, parcel, request) in claimed)
        {
            // Late against when it was meant to go: its due time, or the end of a deferral the rules chose.
            services.Metrics.Claimed(message.Flow, message.StepNumber, now - (message.DeferredUntil is { } until && until > message.DueAt ? until : message.DueAt));
            StartHandOff(message, parcel, request);
        }
    }

    /// <summary>Settles the outcomes whose report to the grain failed, so their messages are neither stuck nor sent again.</summary>
    private async Task SettleUnsettledAsync()
    {
        while (_handOffs.TryTakeUnsettled(out var unsettled))
        {
            await SettleAsync(unsettled.MessageId, unsettled.Attempt, unsettled.Result);
        }
    }

    /// <summary>Applies the outcome of a hand-off this engine started.</summary>
    public async Task SettleAsync(string messageId, int attempt, DeliveryResult result)
    {
        _handOffs.Ended(messageId);

        var now = Clock.GetUtcNow();
        if (Outbox.Find(messageId) is not { } message || message.Attempts != attempt)
        {
            // Withdrawn while in flight. Had it already reached the relay, the log says it went out after all.
            if (result.Outcome == DeliveryOutcome.Delivered && Outbox.Log.Exists(record => record.MessageId == messageId))
            {
                Outbox.DeliveredAfterWithdrawal(messageId, now);
                await SaveAsync();
            }

            LogOutcome(messageId, attempt, result.Outcome, result.Detail);
            return;
        }

        var plan = owner.PlanFor(message);
        var definition = plan.Flow is { } flow ? await services.Flows.GetAsync(flow) : null;
        switch (result.Outcome)
        {
            case DeliveryOutcome.Delivered:
                Outbox.Delivered(message, now);

                // The next step keeps its spacing from this one, however late this one went out: from when it was
                // claimed and handed over, not from when the relay's answer came back, which a slow relay delays.
                Continue(plan, message, message.ClaimedAt ?? now, definition, now);
                break;
            case DeliveryOutcome.TransientFailure:
                Outbox.Retry(message, SkipReason.TransientFailure, now);
                break;
            case DeliveryOutcome.Withheld:
                await EndAsync(message, MessageStatus.Skipped, result.Detail ?? SkipReason.Unsubscribed, now);
                break;
            case DeliveryOutcome.MailboxUnavailable when message.To == Recipient.Customer:
                await EndAsync(message, MessageStatus.Failed, SkipReason.InvalidAddress, now);
                await Customer.SuppressAsync(SkipReason.InvalidAddress);
                break;
            default:
                await EndAsync(message, MessageStatus.Failed, SkipReason.Rejected, now);
                Continue(plan, message, now, definition, now);
                break;
        }

        LogOutcome(messageId, attempt, result.Outcome, result.Detail);
        await SaveAndSendAsync();
    }

    /// <summary>
    /// A bounce or complaint about one of this owner's messages: applied to the customer the message went to (whoever
    /// the cart belongs to now), which suppresses as the rules say, then logged with the message and told to the ledger,
    /// unless that customer was erased. False when no message of that id went out to a customer from here (the owner
    /// forgot it, or never sent it).
    /// </summary>
    public async Task<bool> RecordMailEventAsync(string messageId, Mail.Bounces.MailEvent mailEvent)
    {
        if (Outbox.SentToCustomer(messageId) is not { } sent)
        {
            return false;
        }

        // The customer first: asked again on a retry, it counts the report once and still says whether it was erased.
        // A record from before keys were keyed names the old key: in today's form it is the same customer.
        var recipient = services.Grains.GetGrain<ICustomerGrain>(sent.CustomerKey is { } stored ? services.CustomerKeys.Current(stored) : owner.CustomerKey);
        if (await recipient.RecordMailEventAsync(mailEvent) && Outbox.RecordMailEvent(sent, mailEvent, Clock.GetUtcNow()))
        {
            await SaveAsync();
        }

        return true;
    }

    /// <summary>Times the waiting messages of <paramref name="flow"/> on <paramref name="definition"/>; one whose step the operator removed ends now. True when one moved or ended.</summary>
    private async Task<bool> RetimeAsync(string flow, FlowDefinition definition, DateTimeOffset now)
    {
        var changed = false;
        foreach (var (message, plan) in Outbox.Pending.Select(message => (message, plan: owner.PlanFor(message))).Where(pair => pair.message.TimedFrom is not null && pair.plan.Flow == flow).ToList())
        {
            if (plan.StepOf(message, definition) is null)
            {
                if (!_handOffs.IsRunning(message.MessageId))
                {
                    await EndAsync(message, MessageStatus.Skipped, SkipReason.StepRemoved, now);
                    changed = true;
                }

                continue;
            }

            var due = plan.DueOn(message, definition);
            changed |= due != message.DueAt;
            message.DueAt = due;
        }

        return changed;
    }

    /// <summary>Decides one due message; returns what to hand over once the claim is written, or null when it is not sent now.</summary>
    private async Task<(Parcel Parcel, SendRequest? Request)?> PrepareAsync(FollowUp message, IFollowUpPlan plan, FlowDefinition? definition, DateTimeOffset now)
    {
        if (definition is not null && message.IsExpired(now, definition.Expiry))
        {
            await EndAsync(message, MessageStatus.Skipped, SkipReason.Expired, now);

            // The next step keeps its spacing from when this one was due, so late steps never bunch up.
            Continue(plan, message, message.DueAt, definition, now);
            return null;
        }

        if (Outbox.WasSent(message.MessageId))
        {
            // Re-queued by an event while its first copy was on its way: it went out once, and that is enough.
            Outbox.Pending.Remove(message);
            Continue(plan, message, now, definition, now);
            return null;
        }

        if (plan.StepOf(message, definition) is not { } step)
        {
            await EndAsync(message, MessageStatus.Skipped, SkipReason.StepRemoved, now);
            return null;
        }

        if (message.Marketing && message.To == Recipient.Customer && definition is { Holdout: > 0 } && Holdout.IsHeldOut(message.Flow, owner.CustomerKey, definition.Holdout))
        {
            // The control group: nothing from this flow, and each step logged when it would have gone out, so the
            // report can follow these customers over the same window as the ones who got it.
            await EndAsync(message, MessageStatus.Skipped, SkipReason.Holdout, now);
            Continue(plan, message, now, definition, now);
            return null;
        }

        // Decided here, at send time: a purchase or unsubscribe that reached the customer first wins, and the
        // customer's quiet hours and frequency cap may put the message off.
        SendRequest? request = null;
        string? variant = null;
        if (message.To == Recipient.Customer)
        {
            request = owner.RequestFor(message) with
            {
                Flow = message.Flow,
                Experiment = $"{message.Flow}/{step.Name}",
                Variants = [.. step.Variants.Select(v => new VariantWeight(v.Name, v.Weight))],
            };
            var decision = await Customer.RequestSendAsync(request);
            switch (decision.Outcome)
            {
                case SendOutcome.Deferred:
                    Outbox.Defer(message, decision.Reason!, decision.Until!.Value, now);
                    LogDeferred(message.MessageId, decision.Reason!, decision.Until!.Value);
                    return null;
                case SendOutcome.Purchased:
                    await owner.PurchasedAsync(decision.PurchasedOrderId, now);
                    return null;
                case SendOutcome.Refused:
                    await EndAsync(message, MessageStatus.Skipped, decision.Reason!, now);
                    return null;
            }

            message.HoldsPlace |= message.Marketing;
            variant = decision.Variant;
        }

        var resolved = step.Resolve(variant);
        CouponIssue? coupon = null;
        if (message.Marketing && resolved.DiscountPercent is { } percent)
        {
            var code = services.CouponCodes.For(message.MessageId, percent);
            coupon = await services.Grains.GetGrain<ICouponGrain>(code).IssueAsync(
                new CouponIssue(code, percent, now, now + resolved.CouponValidity, message.MessageId, message.Flow, owner.CustomerKey));
        }

        Parcel parcel;
        try
        {
            parcel = owner.Compose(message, resolved, definition?.Steps.Count ?? 0, coupon, now);
        }
        catch (Exception exception) when (exception is not InconsistentStateException)
        {
            // A template the operator broke: retrying cannot fix it, and it must not block the grain's other messages.
            LogTemplateError(exception, message.MessageId, resolved.Template);
            await EndAsync(message, MessageStatus.Failed, SkipReason.TemplateError, now);
            Continue(plan, message, now, definition, now);
            return null;
        }

        Outbox.Claim(message, parcel.Subject, variant, coupon?.Code, now, now + services.HandOffBudget + FollowUpReminder.Tick,
            message.To == Recipient.Customer ? owner.CustomerKey : null);
        return (parcel, request);
    }

    private void StartHandOff(FollowUp message, Parcel parcel, SendRequest? request)
    {
        // For the customer's messages, the purchase, unsubscribe and suppression check once more, right before the relay.
        var customer = Customer;
        var terms = request is null ? HandOff.Unchecked(services.HandOffBudget) : new HandOff(services.HandOffBudget, _ => customer.ConfirmSendAsync(request));
        _handOffs.Start(grain.AsReference<IFollowUpGrain>(), message, parcel, terms);
    }

    /// <summary>Takes a message out of the outbox for good, giving back its place under the cap unless it was delivered.</summary>
    private async Task EndAsync(FollowUp message, MessageStatus status, string reason, DateTimeOffset now)
    {
        Outbox.End(message, status, reason, now);
        await ReleaseAsync(message);
        if (status == MessageStatus.Skipped)
        {
            LogSkipped(message.MessageId, reason);
        }
    }

    private async Task ReleaseAsync(FollowUp message)
    {
        if (message.HoldsPlace)
        {
            message.HoldsPlace = false;
            await Customer.ReleaseSendAsync(message.MessageId);
        }
    }

    private void Continue(IFollowUpPlan plan, FollowUp done, DateTimeOffset from, FlowDefinition? definition, DateTimeOffset now)
    {
        if (definition is not null && plan.After(done, from, definition) is { } next)
        {
            Outbox.Plan(next, now);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId}, attempt {Attempts}: {Outcome} {Detail}")]
    private partial void LogOutcome(string messageId, int attempts, DeliveryOutcome outcome, string? detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} skipped ({Reason})")]
    private partial void LogSkipped(string messageId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} deferred ({Reason}) until {Until}")]
    private partial void LogDeferred(string messageId, string reason, DateTimeOffset until);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} failed: its template {Template} cannot render it (template-error)")]
    private partial void LogTemplateError(Exception exception, string messageId, string template);


}
