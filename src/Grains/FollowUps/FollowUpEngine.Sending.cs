using Microsoft.Extensions.Logging;
using Orleans.Recovery.Coupons;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Mail;
using Orleans.Storage;

namespace Orleans.Recovery.FollowUps;

/// <summary>The engine's send path: due messages timed on their flow as it is now, decided, claimed in one write, handed over.</summary>
public sealed partial class FollowUpEngine
{
    /// <summary>
    /// Sends every message that is due: checks, claims them all in one write, then hands them over. When every claim of
    /// the pass is a marketing send the customer granted, and nothing else changed, that write is left out: the customer
    /// wrote the grant, for this attempt and until its hand-off surely ended, before answering, and another ask for the
    /// same attempt waits (<see cref="SendOutcome.Busy"/>). The settle, seconds later, writes the claim with its outcome.
    /// </summary>
    public async Task SendDueAsync()
    {
        var definitions = new Dictionary<string, FlowDefinition>();
        async Task<FlowDefinition?> DefinitionOf(IFollowUpPlan plan) => plan.Flow is not { } flow
            ? null
            : definitions.TryGetValue(flow, out var known) ? known : definitions[flow] = await services.Flows.GetAsync(flow);

        // Steps timed by a flow's delays follow the flow as it is now, so a change this grain missed still reaches them.
        var changed = false;
        foreach (var plan in Outbox.Pending.Where(message => message.TimedFrom is not null).Select(owner.PlanFor).DistinctBy(plan => plan.Flow).ToList())
        {
            if (await DefinitionOf(plan) is { } definition)
            {
                changed |= await RetimeAsync(plan.Flow!, definition, Clock.GetUtcNow());
            }
        }

        var now = Clock.GetUtcNow();
        var claimed = new List<(FollowUp Message, Parcel Parcel, SendRequest? Request)>();
        foreach (var message in Outbox.Pending.Where(message => message.IsDue(now) && !InFlight(message.MessageId)).OrderBy(message => message.DueAt).ToList())
        {
            // A purchase found on the way may have withdrawn it.
            if (Outbox.Find(message.MessageId) == message)
            {
                var plan = owner.PlanFor(message);
                var prepared = await PrepareAsync(message, plan, await DefinitionOf(plan), now);
                if (_customerErased)
                {
                    // Nothing of the owner is kept, so nothing is written: it erases itself, pending messages and all.
                    await owner.ErasedAsync();
                    return;
                }

                if (prepared is not null)
                {
                    var (parcel, request) = prepared.Value;
                    claimed.Add((message, parcel, request));
                    changed |= request is not { Marketing: true };
                }
                else
                {
                    changed = true;
                }
            }
        }

        // The claims, skips and deferrals in one write, with the ETag: a stale duplicate activation fails here and sends
        // nothing. Claims the customer wrote need none (above); one that finds nothing due writes as it always did.
        if (changed || claimed.Count == 0)
        {
            await _persistence.SaveAsync(claimed: claimed.Count > 0);
            _claimsUnwritten = false;
        }
        else
        {
            _claimsUnwritten = true;
        }

        foreach (var (message, parcel, request) in claimed)
        {
            // Late against when it was meant to go: its due time, or the end of a deferral the rules chose.
            services.Metrics.Claimed(message.Flow, message.StepNumber, now - (message.DeferredUntil is { } until && until > message.DueAt ? until : message.DueAt));
            StartHandOff(message, parcel, request);
        }
    }

    /// <summary>Times the waiting messages of <paramref name="flow"/> on <paramref name="definition"/>; one whose step the operator removed ends now. True when one moved or ended.</summary>
    private async Task<bool> RetimeAsync(string flow, FlowDefinition definition, DateTimeOffset now)
    {
        var changed = false;
        foreach (var (message, plan) in Outbox.Pending.Select(message => (message, plan: owner.PlanFor(message))).Where(pair => pair.message.TimedFrom is not null && pair.plan.Flow == flow).ToList())
        {
            if (plan.StepOf(message, definition) is null)
            {
                if (!InFlight(message.MessageId))
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
        var step = plan.StepOf(message, definition);
        var verdict = FollowUpDecisions.BeforeSending(message, definition, step is not null, Outbox.WasSent(message.MessageId), owner.CustomerKey, now);
        if (verdict.Action != DueAction.Send || step is null)
        {
            if (verdict.Action == DueAction.Drop)
            {
                Outbox.Pending.Remove(message);
            }
            else
            {
                await EndAsync(message, MessageStatus.Skipped, verdict.Reason!, now);
            }

            Continue(plan, message, verdict.Next, definition, now);
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
                Attempt = message.Attempts + 1,
                BusyUntil = BusyUntil(now),
            };
            var decision = await Customer.RequestSendAsync(request);
            switch (decision.Outcome)
            {
                case SendOutcome.Busy:
                    // This attempt was granted to an activation that is gone or a twin: tried again once it surely ended.
                    message.RetryAt = decision.Until;
                    return null;
                case SendOutcome.Deferred:
                    Outbox.Defer(message, decision.Reason!, decision.Until!.Value, now);
                    LogDeferred(message.MessageId, decision.Reason!, decision.Until!.Value);
                    return null;
                case SendOutcome.Purchased:
                    await owner.PurchasedAsync(decision.PurchasedOrderId, now);
                    return null;
                case SendOutcome.Refused when decision.Reason == SkipReason.Erased && decision.Until is { } erasedAt && owner.ErasedBy(erasedAt):
                    _customerErased = true;
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
            Continue(plan, message, ContinueFrom.Now, definition, now);
            return null;
        }

        Outbox.Claim(message, parcel.Subject, variant, coupon?.Code, now, BusyUntil(now),
            message.To == Recipient.Customer ? owner.CustomerKey : null);
        return (parcel, request);
    }

    /// <summary>The latest a hand-off started at <paramref name="now"/> can still run: no other attempt starts before.</summary>
    private DateTimeOffset BusyUntil(DateTimeOffset now) => now + services.HandOffBudget + FollowUpReminder.Tick;

    /// <summary>
    /// The grain is deactivated (a silo shutting down, a rebalance): claims the customer alone wrote are written here, so
    /// the activation that takes over knows them and applies their outcome when the mail grain reports it.
    /// </summary>
    public async Task DeactivatingAsync()
    {
        if (_claimsUnwritten)
        {
            await SaveAsync();
        }
    }

    /// <summary>
    /// Sends the claimed message one-way to the silo's mail grain, which asks this grain and then, for the customer's
    /// messages, the customer once more right before the relay (a purchase, an unsubscribe, a suppression).
    /// </summary>
    private void StartHandOff(FollowUp message, Parcel parcel, SendRequest? request) => _handOffs.Start(new HandOverRequest(
        grain.AsReference<IFollowUpGrain>(),
        message.MessageId,
        message.Attempts,
        parcel,
        services.HandOffBudget,
        request is null ? null : owner.CustomerKey,
        request));
}
