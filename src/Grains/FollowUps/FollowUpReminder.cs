namespace Orleans.Recovery.FollowUps;

/// <summary>
/// Keeps a grain's one reminder in step with its state. The reminder is registered before the state write and
/// removed after it, so a crash in between leaves a spare tick, never a pending message without a reminder.
/// </summary>
public static class FollowUpReminder
{
    /// <summary>Orleans' minimum reminder period; a tick missed during a restart comes at most this much later.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Arms the reminder for <paramref name="wake"/> (or removes it when null) around <paramref name="write"/>, and
    /// returns the due time it is armed for. A reminder armed for a time still ahead and no later than needed is
    /// left alone: its early tick re-arms it, which saves a reminder write on every event of a busy grain. One that
    /// has already fired ticks on its period from then, up to a minute off the step, so it is armed afresh.
    /// </summary>
    /// <remarks>
    /// <para>Right after a claim (<paramref name="claimed"/>), a reminder that has fired is left to tick on its period if
    /// that tick comes no later than the wake: the claim's settle, seconds later, arms it for the next step, so the
    /// claim costs no reminder write and no spare wake-up follows the send. Should the settle never come (a crash), the
    /// tick finds the claim and arms the reminder for its end. The tick is reckoned from the due time the reminder was
    /// armed for; one armed late (for a time already past) ticks later than that by less than a period.</para>
    /// With nothing to wake for and something still to confirm after the write (<c>settled</c>: the ledger's append),
    /// a reminder stays registered unless it has already completed true, so a crash before then wakes the grain again;
    /// it is never awaited. The state is
    /// written saying none, the safe side: the next wake always arms one, and a stray tick finds nothing pending.
    /// </remarks>
    public static async Task<DateTimeOffset?> SaveAsync(Grain grain, string name, DateTimeOffset? wake, DateTimeOffset? armed, TimeProvider clock, Func<DateTimeOffset?, Task> write, Func<Task<bool>>? settled = null, bool claimed = false)
    {
        if (wake is { } due)
        {
            var now = clock.GetUtcNow();
            if ((armed is not { } current || current > due || current <= now) && !(claimed && armed is { } fired && fired <= now && NextTick(fired, now) <= due))
            {
                await ArmAsync(grain, name, due, clock);
                armed = due;
            }

            await write(armed);
            return armed;
        }

        // A reminder that has fired keeps ticking on its period, so only a grain with none needs one for the wait.
        if (settled is not null && armed is null)
        {
            await grain.RegisterOrUpdateReminder(name, Tick, Tick);
            armed = clock.GetUtcNow() + Tick;
        }

        await write(null);
        if (armed is not null)
        {
            // Not awaited: a storefront's call never waits for the ledger. Unconfirmed, the reminder stays, and its
            // tick removes it once the ledger has everything.
            if (settled?.Invoke() is not { } confirmation || confirmation is { IsCompletedSuccessfully: true, Result: true })
            {
                await UnregisterAsync(grain, name);
            }
            else if (armed > clock.GetUtcNow() + Tick)
            {
                // The step it was armed for is gone; what is left to confirm is looked at again within a minute.
                await grain.RegisterOrUpdateReminder(name, Tick, Tick);
            }
        }

        return null;
    }

    /// <summary>
    /// Registers the reminder to fire at <paramref name="due"/>. Orleans takes a due time relative to its own reading of
    /// the clock when the call reaches the reminder service, so a call that took long (the reminder table waiting on a
    /// lock, a silo under load, or a test's clock moved meanwhile) would arm the step late by as long as it took: it is
    /// armed again from the clock as it is then, a few times at most.
    /// </summary>
    private static async Task ArmAsync(Grain grain, string name, DateTimeOffset due, TimeProvider clock)
    {
        for (var attempt = 1; ; attempt++)
        {
            var asked = clock.GetUtcNow();
            var dueIn = due - asked;
            await grain.RegisterOrUpdateReminder(name, dueIn > TimeSpan.Zero ? dueIn : TimeSpan.Zero, Tick);
            if (dueIn <= TimeSpan.Zero || clock.GetUtcNow() - asked <= SlowCall || attempt == 3)
            {
                return;
            }
        }
    }

    /// <summary>How long a registration may take before the reminder is armed again: a few seconds late does not matter.</summary>
    private static readonly TimeSpan SlowCall = TimeSpan.FromSeconds(5);

    /// <summary>When a reminder armed for <paramref name="fired"/>, which has fired, ticks next after <paramref name="now"/>.</summary>
    public static DateTimeOffset NextTick(DateTimeOffset fired, DateTimeOffset now) =>
        fired + Tick * (Math.Floor((now - fired) / Tick) + 1);

    public static async Task UnregisterAsync(Grain grain, string name)
    {
        // A fresh handle each time: a stale one fails its ETag.
        if (await grain.GetReminder(name) is { } reminder)
        {
            await grain.UnregisterReminder(reminder);
        }
    }
}
