using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.Recovery.Hosting.Retention;
using Orleans.Recovery.Testing;
using Orleans.Runtime;

namespace Orleans.Recovery.Grains.Tests.Retention;

/// <summary>
/// A silo arms the daily retention sweep after it turns Active. The reminder service may refuse that for a while when
/// silos start together; the silo must start and stay up regardless, and arm the sweep as soon as it can.
/// </summary>
[Trait("Category", "Unit")]
public sealed class RetentionSweepArmingTests
{
    private static readonly OrleansException StillInitializing =
        new("Reminder Service is still initializing and it is taking a long time. Please retry again later.", new TimeoutException());

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task TheSiloStartsWithoutWaitingAndArmsTheSweepOnceTheReminderServiceTakesIt()
    {
        var attempts = 0;
        var firstAttempt = new TaskCompletionSource();
        using var arming = new RetentionSweepArming(
            async () =>
            {
                if (Interlocked.Increment(ref attempts) == 1)
                {
                    await firstAttempt.Task;
                }

                if (attempts <= 2)
                {
                    throw StillInitializing;
                }
            },
            _clock,
            NullLogger<RetentionSweepArming>.Instance);

        // The first attempt hangs, as a registration does while the reminder service reads its range: start is done.
        var start = arming.StartAsync(CancellationToken.None);
        Assert.True(start.IsCompletedSuccessfully);
        await Eventually.TrueAsync(() => Volatile.Read(ref attempts) == 1, what: "the first attempt");
        Assert.False(arming.IsArmed);

        firstAttempt.SetResult();
        await AdvanceUntilAsync(() => arming.IsArmed, "the sweep to be armed");

        Assert.Equal(3, attempts);
        await arming.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task RetriesBackOffToAtMostAMinuteApartAndNeverSpin()
    {
        var step = TimeSpan.FromSeconds(2);
        var attempts = new List<DateTimeOffset>();
        using var arming = new RetentionSweepArming(
            () =>
            {
                lock (attempts)
                {
                    attempts.Add(_clock.GetUtcNow());
                }

                return Task.FromException(StillInitializing);
            },
            _clock,
            NullLogger<RetentionSweepArming>.Instance);

        await arming.StartAsync(CancellationToken.None);
        await AdvanceUntilAsync(() => { lock (attempts) { return attempts.Count >= 10; } }, "ten attempts", step);
        await arming.StopAsync(CancellationToken.None);

        List<TimeSpan> gaps;
        lock (attempts)
        {
            gaps = attempts.Take(10).Zip(attempts.Skip(1).Take(9), (earlier, later) => later - earlier).ToList();
        }

        // Each retry waits on the clock (the clock moves only in steps); the cap keeps a sweep at most a minute behind a
        // ready reminder service, and the back-off keeps silos that failed together from hammering it.
        Assert.All(gaps, gap => Assert.InRange(gap, step, RetentionSweepArming.LongestRetryDelay + step));
        Assert.True(gaps.TakeLast(4).Sum(gap => gap.TotalSeconds) > gaps.Take(4).Sum(gap => gap.TotalSeconds), string.Join(", ", gaps));
    }

    [Fact]
    public async Task StoppingTheSiloEndsTheAttemptsQuietly()
    {
        var attempts = 0;
        using var arming = new RetentionSweepArming(
            () =>
            {
                Interlocked.Increment(ref attempts);
                return Task.FromException(StillInitializing);
            },
            _clock,
            NullLogger<RetentionSweepArming>.Instance);

        await arming.StartAsync(CancellationToken.None);
        await AdvanceUntilAsync(() => Volatile.Read(ref attempts) >= 3, "three attempts");

        await arming.StopAsync(CancellationToken.None);
        Assert.True(arming.Arming.IsCompletedSuccessfully);
        Assert.False(arming.IsArmed);

        var after = attempts;
        _clock.Advance(TimeSpan.FromMinutes(10));
        await Task.Delay(100);
        Assert.Equal(after, attempts);
    }

    [Fact]
    public async Task AStopWaitsForAnAttemptInFlightOnlyAsLongAsTheSiloAllows()
    {
        var called = new TaskCompletionSource();
        using var arming = new RetentionSweepArming(
            () =>
            {
                called.TrySetResult();
                return new TaskCompletionSource().Task; // a grain call that never answers
            },
            _clock,
            NullLogger<RetentionSweepArming>.Instance);

        await arming.StartAsync(CancellationToken.None);
        await called.Task.WaitAsync(TimeSpan.FromSeconds(10));

        using var stopAllowed = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await arming.StopAsync(stopAllowed.Token).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(stopAllowed.IsCancellationRequested);
        Assert.False(arming.IsArmed);
    }

    /// <summary>Moves the clock on in small steps until the condition holds: each retry waits on this clock.</summary>
    private async Task AdvanceUntilAsync(Func<bool> condition, string what, TimeSpan? step = null) =>
        await Eventually.TrueAsync(
            () =>
            {
                if (condition())
                {
                    return true;
                }

                _clock.Advance(step ?? TimeSpan.FromSeconds(10));
                return false;
            },
            what: what);
}
