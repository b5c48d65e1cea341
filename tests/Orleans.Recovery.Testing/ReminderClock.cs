using Microsoft.Extensions.Time.Testing;

namespace Orleans.Recovery.Testing;

/// <summary>Moving the fake reminder clock the way a real one moves.</summary>
public static class ReminderClock
{
    private static readonly TimeSpan _period = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Moves the clock by <paramref name="by"/>, then one reminder period at a time until <paramref name="done"/>
    /// holds. A real clock keeps moving; a fake one jumps, and a reminder the service was loading into memory
    /// during a jump ticks one period later, as it would on a real clock. A test that waits for something within
    /// seconds moves it by a shorter <paramref name="period"/>.
    /// </summary>
    public static async Task AdvanceUntilAsync(this FakeTimeProvider clock, TimeSpan by, Func<Task<bool>> done, string what, int maxPeriods = 30, TimeSpan? period = null)
    {
        clock.Advance(by);
        for (var moved = 0; moved < maxPeriods; moved++)
        {
            try
            {
                await Eventually.TrueAsync(done, TimeSpan.FromSeconds(2), what);
                return;
            }
            catch (TimeoutException)
            {
                clock.Advance(period ?? _period);
            }
        }

        await Eventually.TrueAsync(done, what: what);
    }
}
