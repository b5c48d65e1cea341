using Microsoft.Extensions.Logging;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.FollowUps;

/// <summary>
/// Sends one grain's follow-ups, whatever their flow: the customer check, the coupon, composing, the claim, the
/// hand-off and the settling of its outcome, under the grain's one reminder. The hand-off goes one-way to the silo's
/// mail grain, so the storefront's calls (a purchase, a cancellation) never wait on the relay; a message they withdraw
/// is no longer owed when the mail grain asks, right before the relay. Its outcome comes back as the grain's settle call.
/// </summary>
public sealed partial class FollowUpEngine(Grain grain, IFollowUpOwner owner, string reminderName, FollowUpServices services)
{
    private readonly HandOffs _handOffs = new(services.Grains, services.HandOffBudget);
    private readonly FollowUpPersistence _persistence = new(grain, owner, reminderName, services);
    private readonly ILogger _logger = services.Logger;
    private IGrainTimer? _soon;

    /// <summary>Claims held in memory since the customer wrote their grants (<see cref="SendDueAsync"/>); any write of the state clears it.</summary>
    private bool _claimsUnwritten;

    /// <summary>The customer answered that they were erased: the owner erases itself (<see cref="IFollowUpOwner.ErasedAsync"/>).</summary>
    private bool _customerErased;

    private Outbox Outbox => owner.Outbox;

    private TimeProvider Clock => services.Clock;

    private ICustomerGrain Customer => services.Grains.GetGrain<ICustomerGrain>(owner.CustomerKey);

    /// <summary>Writes the owner's state, its reminder and its ledger entries, in that order (<see cref="FollowUpPersistence"/>).</summary>
    public async Task SaveAsync()
    {
        await _persistence.SaveAsync();
        _claimsUnwritten = false;
    }

    /// <summary>The ledger took an append: a grain with nothing left to send removes the reminder it kept for it.</summary>
    public Task LedgerConfirmedAsync() => _persistence.LedgerConfirmedAsync();

    /// <summary>On activation: appends again what the stored journal holds, which a crash may have kept from the ledger.</summary>
    public void Resume() => _persistence.Resume();

    /// <summary>Saves, and sends what is due as soon as the current call returns.</summary>
    public async Task SaveAndSendAsync()
    {
        await SaveAsync();
        if (Outbox.Pending.Exists(message => message.IsDue(Clock.GetUtcNow()) && !InFlight(message.MessageId)) && _soon is null)
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
        await _persistence.ForgetAsync(clearState);

        // Nothing is kept: a claim the customer alone wrote must not write the cleared state back on deactivation.
        _claimsUnwritten = false;
    }

    /// <summary>A hand-off of the message is out, or its outcome waits in the silo to be reported: not started again meanwhile.</summary>
    private bool InFlight(string messageId) =>
        _handOffs.IsRunning(messageId) || services.Unsettled.IsParked(grain.GetGrainId(), messageId);

    /// <summary>Whether attempt <paramref name="attempt"/> of the message is still the one the outbox waits on: withdrawn, settled or claimed again, it is not.</summary>
    public bool IsOwed(string messageId, int attempt) => Outbox.Find(messageId) is { } message && message.Attempts == attempt;

    /// <summary>Applies the outcome of a hand-off this engine started.</summary>
    public async Task SettleAsync(string messageId, int attempt, DeliveryResult result)
    {
        _handOffs.Ended(messageId);

        var now = Clock.GetUtcNow();
        if (Outbox.Find(messageId) is { } unseen && unseen.Attempts == attempt - 1 && result.Outcome == DeliveryOutcome.Delivered && !InFlight(messageId))
        {
            // A claim only the customer wrote (its grant of this attempt), whose activation went before writing it (its
            // state write failed, and so did the one on deactivation): the relay took the message, so it is sent.
            unseen.Attempts = attempt;
            unseen.ClaimedAt ??= now;
        }

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
        var verdict = FollowUpDecisions.OnDelivery(result, message.To);
        switch (verdict.Action)
        {
            case SettleAction.Delivered:
                Outbox.Delivered(message, now);
                break;
            case SettleAction.Retry:
                Outbox.Retry(message, verdict.Reason!, now);
                break;
            default:
                await EndAsync(message, verdict.Status!.Value, verdict.Reason!, now);
                if (verdict.SuppressAddress)
                {
                    await Customer.SuppressAsync(verdict.Reason!);
                }

                break;
        }

        Continue(plan, message, verdict.Next, definition, now);

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

    private void Continue(IFollowUpPlan plan, FollowUp done, ContinueFrom from, FlowDefinition? definition, DateTimeOffset now)
    {
        DateTimeOffset? start = from switch
        {
            ContinueFrom.DueTime => done.DueAt,
            ContinueFrom.Now => now,
            ContinueFrom.Claimed => done.ClaimedAt ?? now,
            _ => null,
        };
        if (start is { } at && definition is not null && plan.After(done, at, definition) is { } next)
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
