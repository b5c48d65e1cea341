using Microsoft.Extensions.Logging;
using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// One activation's side of its <see cref="LedgerJournal"/>: hands the entries to the ledger after each state write,
/// and drops those the ledger confirmed before the next. An append is not awaited by the grain's callers; a grain that
/// is about to stop waking up awaits it first, so whatever the ledger has not confirmed keeps a reminder.
/// </summary>
public sealed partial class LedgerFeed(ILedger ledger, TimeProvider clock, ILogger logger)
{
    /// <summary>The reminder a grain without follow-ups (a customer, a coupon) holds while the ledger has not confirmed its entries.</summary>
    public const string ReminderName = "ledger";

    private Task? _latest;
    private int _latestCount;
    private Lead? _lastLead;

    /// <summary>Whether an append would carry anything: entries, or a lead that changed since the last one appended.</summary>
    public bool Owes(LedgerJournal journal, Lead? lead) => journal.Entries.Count > 0 || (lead is not null && lead != _lastLead);

    /// <summary>
    /// Called before the state is written: drops the entries the last confirmed append carried, and counts the write,
    /// so the revision the state holds is the one its append carries. The revision never falls below the clock in
    /// milliseconds, so a grain cleared and reported again still outranks what it appended before.
    /// </summary>
    public void BeforeWrite(LedgerJournal journal)
    {
        if (_latest is { IsCompletedSuccessfully: true })
        {
            journal.Entries.RemoveRange(0, Math.Min(_latestCount, journal.Entries.Count));
            _latest = null;
            _latestCount = 0;
        }

        journal.Revision = Math.Max(journal.Revision + 1, clock.GetUtcNow().ToUnixTimeMilliseconds());
    }

    /// <summary>
    /// Called after the state is written, and on activation: appends everything the journal holds, confirmed or not,
    /// with the owner's lead as it stands. The returned task completes true once the ledger has it, false when the
    /// ledger could not take it now; it never throws.
    /// </summary>
    public Task<bool> SendAsync(LedgerJournal journal, LedgerOwner owner, Lead? lead)
    {
        if (!Owes(journal, lead))
        {
            return Task.FromResult(true);
        }

        // The same entries already on their way: wait for them rather than queue them again behind a slow ledger.
        if (_latest is { IsCompleted: false } inFlight && _latestCount == journal.Entries.Count && lead == _lastLead)
        {
            return ConfirmedAsync(inFlight, owner);
        }

        // A lead the ledger already has as it is now is not sent again with every write.
        var batch = new LedgerBatch(owner, [.. journal.Entries], lead == _lastLead ? null : lead, journal.Revision);
        var append = ledger.AppendAsync(batch);
        _latest = append;
        _latestCount = batch.Entries.Length;
        _lastLead = lead;
        return ConfirmedAsync(append, owner);
    }

    /// <summary>
    /// Writes the state of a grain that has no follow-up reminder, then appends its journal without waiting for the
    /// ledger. While there are entries to confirm, the grain holds <see cref="ReminderName"/> from before the write until
    /// the ledger has them, so neither a crash nor a failed append leaves them waiting for an activation that may never come.
    /// </summary>
    public async Task SaveAsync(Grain grain, LedgerJournal journal, LedgerOwner owner, Func<Task> write)
    {
        BeforeWrite(journal);
        var owes = journal.Entries.Count > 0;
        if (owes)
        {
            await grain.RegisterOrUpdateReminder(ReminderName, FollowUpReminder.Tick, FollowUpReminder.Tick);
        }

        await write();
        if (owes)
        {
            // Not awaited: the caller's answer never waits for the ledger. Once it has the entries the grain hears of
            // it and removes the reminder; should that be lost, the reminder's own tick does.
            TellWhenConfirmed(grain, SendAsync(journal, owner, null));
        }
    }

    /// <summary>Whether the ledger has confirmed everything the journal holds, and the lead as it is.</summary>
    public bool Confirmed(LedgerJournal journal, Lead? lead) =>
        (journal.Entries.Count == 0 || (_latest is { IsCompletedSuccessfully: true } && _latestCount >= journal.Entries.Count))
        && (lead is null || lead == _lastLead);

    /// <summary>Once <paramref name="appended"/> completes true, the grain is told with a one-way call of its own.</summary>
    public void TellWhenConfirmed(Grain grain, Task<bool> appended)
    {
        _ = TellAsync();

        async Task TellAsync()
        {
            try
            {
                if (await appended)
                {
                    await grain.AsReference<ILedgerConfirmedGrain>().LedgerConfirmedAsync();
                }
            }
            catch (Exception exception)
            {
                // The reminder's tick does it instead.
                LogTellFailed(exception);
            }
        }
    }

    /// <summary>The grain heard the ledger confirmed an append: removes its ledger reminder when nothing is left to confirm.</summary>
    public async Task ConfirmedAsync(Grain grain, LedgerJournal journal)
    {
        if (Confirmed(journal, null))
        {
            await FollowUpReminder.UnregisterAsync(grain, ReminderName);
        }
    }

    /// <summary>
    /// The ledger reminder fired: removes it once the ledger has confirmed everything the journal holds, and otherwise
    /// appends again unless an append is still under way. Never waits for the ledger, which may be slow or stuck.
    /// </summary>
    public async Task RetryAsync(Grain grain, LedgerJournal journal, LedgerOwner owner)
    {
        if (Confirmed(journal, null))
        {
            await FollowUpReminder.UnregisterAsync(grain, ReminderName);
        }
        else if (_latest is null || _latest.IsCompleted)
        {
            _ = SendAsync(journal, owner, null);
        }
    }

    private async Task<bool> ConfirmedAsync(Task append, LedgerOwner owner)
    {
        try
        {
            await append;
            return true;
        }
        catch (Exception exception)
        {
            // Kept in the journal: the next write appends them again, and so does the grain's next activation.
            _lastLead = null;
            if (exception is LedgerFullException)
            {
                // The ledger said so once already; every grain saying it again would flood the log.
                LogAppendDeferred(owner.Kind);
            }
            else
            {
                LogAppendFailed(exception, owner.Kind);
            }
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The ledger's queue is full: a {OwnerKind} keeps its entries and appends them again")]
    private partial void LogAppendDeferred(string ownerKind);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A grain could not be told that the ledger took its entries; its reminder's tick finds out")]
    private partial void LogTellFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ledger did not take a {OwnerKind}'s entries; they stay in its state and are appended again")]
    private partial void LogAppendFailed(Exception exception, string ownerKind);
}
