namespace Orleans.Recovery.Mail;

/// <summary>
/// The terms on which a message may reach the relay. The purchase, unsubscribe and suppression check is asked
/// again once a connection is ready, right before the message is handed over; and a message that cannot be handed
/// over within <see cref="Within"/> is not sent at all, so a stalled relay never releases a backlog of stale mail.
/// </summary>
/// <param name="Within">How long the transport may take to reach the point of handing the message over.</param>
/// <param name="LastCheck">Returns a reason not to send after all (purchased, unsubscribed), or null to go ahead.</param>
public sealed record HandOff(TimeSpan Within, Func<CancellationToken, Task<string?>> LastCheck)
{
    public static HandOff Unchecked(TimeSpan within) => new(within, _ => Task.FromResult<string?>(null));
}

/// <summary>The last check before the hand-off found a reason not to send; nothing reached the relay.</summary>
public sealed class HandOffWithheldException(string reason) : Exception($"Withheld before the hand-off: {reason}")
{
    public string Reason { get; } = reason;
}

/// <summary>The message could not be handed over within <see cref="HandOff.Within"/>; nothing reached the relay.</summary>
public sealed class HandOffTimeoutException(TimeSpan within) : TimeoutException($"No connection to the relay within {within}.");
