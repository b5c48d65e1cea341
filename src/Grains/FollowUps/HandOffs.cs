using System.Diagnostics;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.FollowUps;

/// <summary>
/// The hand-offs one activation has started and not yet heard back from: each went one-way to the silo's
/// <see cref="IMailGrain"/>, which reports its outcome as the owner's settle call. Until it does, the engine does not
/// start the message again; the claim in the owner's state covers a restart.
/// </summary>
/// <remarks>
/// A hand-off ends within its budget of real time (the transport gives up after it), whatever the business clock says.
/// One never heard back from within twice that and a minute was lost on the way, and no longer holds its message.
/// </remarks>
internal sealed class HandOffs(IGrainFactory grains, TimeSpan budget)
{
    private readonly TimeSpan _lostAfter = 2 * budget + TimeSpan.FromMinutes(1);
    private readonly Dictionary<string, long> _running = [];

    public bool IsRunning(string messageId) => _running.TryGetValue(messageId, out var started) && Stopwatch.GetElapsedTime(started) < _lostAfter;

    public void Start(HandOverRequest request)
    {
        _running[request.MessageId] = Stopwatch.GetTimestamp();

        // One-way: returns once the request is on its way, not when the relay has it.
        _ = grains.GetGrain<IMailGrain>(0).HandOverAsync(request);
    }

    public void Ended(string messageId) => _running.Remove(messageId);
}
