using System.Collections.Immutable;

namespace Orleans.Recovery.Mail;

/// <summary>A mailbox: an optional display name and an address.</summary>
[GenerateSerializer, Immutable, Alias("mail-party")]
public sealed record MailParty([property: Id(0)] string? Name, [property: Id(1)] string Address);

/// <summary>An extra header, such as List-Unsubscribe.</summary>
[GenerateSerializer, Immutable, Alias("mail-header")]
public sealed record MailHeader([property: Id(0)] string Name, [property: Id(1)] string Value);

/// <summary>A fully rendered message, ready for the mail grain to deliver as it is.</summary>
[GenerateSerializer, Immutable, Alias("outgoing-mail")]
public sealed record OutgoingMail(
    [property: Id(0)] string MessageId,
    [property: Id(1)] MailParty From,
    [property: Id(2)] MailParty To,
    [property: Id(3)] MailParty? ReplyTo,
    [property: Id(4)] string Subject,
    [property: Id(5)] string Html,
    [property: Id(6)] string Text,
    [property: Id(7)] ImmutableArray<MailHeader> Headers);
