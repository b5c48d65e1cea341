using System.Collections.Concurrent;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.FollowUps;

/// <summary>
/// Outcomes whose report to their owner failed (lost on the way, or refused while the owner could not write), kept in
/// the silo where the mail grain and the owner both run, for the owner's next tick to settle. While an outcome waits
/// here its claim holds the message, so a delivered message is recorded sent rather than tried again.
/// </summary>
public sealed class UnsettledHandOffs
{
    private readonly ConcurrentDictionary<GrainId, ConcurrentQueue<Outcome>> _byOwner = new();

    public void Park(GrainId owner, Outcome outcome) => _byOwner.GetOrAdd(owner, _ => new()).Enqueue(outcome);

    /// <summary>An outcome of <paramref name="owner"/>'s to settle on its turn; false when there is none.</summary>
    public bool TryTake(GrainId owner, out Outcome outcome)
    {
        outcome = null!;
        return _byOwner.TryGetValue(owner, out var queue) && queue.TryDequeue(out outcome!);
    }

    public sealed record Outcome(string MessageId, int Attempt, DeliveryResult Result);
}
