using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.FollowUps;

/// <summary>
/// How a follow-up owner persists, in one place: its state first, with the reminder armed for the outbox's next wake
/// however far away, then its ledger entries. A grain left with nothing to wake for keeps its reminder until the ledger
/// has them, so a crash anywhere in between loses neither a follow-up nor a figure.
/// </summary>
internal sealed class FollowUpPersistence(Grain grain, IFollowUpOwner owner, string reminderName, FollowUpServices services)
{
    private readonly LedgerFeed _ledger = new(services.Ledger, services.Clock, services.Logger);

    private Outbox Outbox => owner.Outbox;

    private TimeProvider Clock => services.Clock;

    /// <summary>
    /// Writes the owner's state with the reminder armed for the outbox's next wake, however far away, then appends its
    /// ledger entries. A grain left with nothing to wake for keeps its reminder until the ledger has them. Right after
    /// a claim (<paramref name="claimed"/>), a fired reminder that ticks before the wake is left alone (<see cref="FollowUpReminder"/>).
    /// </summary>
    public async Task SaveAsync(bool claimed = false)
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
        } : null, claimed);
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

            // None is armed now: the next wake registers one, and a claim never counts on this one's tick.
            Outbox.ReminderDueAt = null;
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

    /// <summary>
    /// Gives the ledger what it has not confirmed and takes the grain's lead out of it, removes the reminder, then the
    /// state. While the ledger cannot take the entries, the grain keeps everything and throws.
    /// </summary>
    public async Task ForgetAsync(Func<Task> clearState)
    {
        Outbox.Journal.Add(new Forgotten { At = Clock.GetUtcNow() });
        if (!await _ledger.SendAsync(Outbox.Journal, owner.LedgerOwner, lead: null))
        {
            throw new LedgerUnavailableException();
        }

        await FollowUpReminder.UnregisterAsync(grain, reminderName);
        await clearState();
    }
}
