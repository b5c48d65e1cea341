using Orleans.Recovery.Flows;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.FollowUps;

/// <summary>
/// The hand-offs one activation has started and not yet heard back from: each went one-way to the silo's
/// <see cref="IMailGrain"/>, which reports its outcome as the owner's <see cref="IFollowUpGrain.SettleAsync"/>. While
/// one is out, the engine does not start its message again; the claim in the owner's state covers a restart.
/// </summary>
internal sealed class HandOffs(IGrainFactory grains)
{
    private readonly HashSet<string> _running = [];

    public bool IsRunning(string messageId) => _running.Contains(messageId);

    public void Start(HandOverRequest request)
    {
        _running.Add(request.MessageId);

        // One-way: returns once the request is on its way, not when the relay has it.
        _ = grains.GetGrain<IMailGrain>(0).HandOverAsync(request);
    }

    public void Ended(string messageId) => _running.Remove(messageId);
}
