namespace Orleans.Recovery.Mail;

/// <summary>What became of one delivery attempt.</summary>
public enum DeliveryOutcome
{
    Delivered,


    /// <summary>A 4xx reply or a connection problem: try again later.</summary>
    TransientFailure,

    /// <summary>The server refused the recipient's mailbox as nonexistent: suppress the address.</summary>
    MailboxUnavailable,

    /// <summary>Another 5xx reply: the message failed for good.</summary>
    Rejected,

    /// <summary>The last check before the hand-off refused it (purchased, unsubscribed); the detail says why.</summary>
    Withheld,
}

/// <summary>The outcome of a delivery, with the server's status code or error kind for the log.</summary>
[GenerateSerializer, Immutable, Alias("delivery-result")]
public sealed record DeliveryResult([property: Id(0)] DeliveryOutcome Outcome, [property: Id(1)] string? Detail = null);
