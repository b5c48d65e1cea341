using Microsoft.Extensions.Logging;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Links;
using Orleans.Recovery.Orders;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.FollowUps;

namespace Orleans.Recovery.Mail.Bounces;

/// <summary>What became of a reported bounce or complaint.</summary>
public enum MailEventOutcome
{
    /// <summary>Applied to the message it names, and through it to the customer.</summary>
    Message,

    /// <summary>Applied to the customer of the address it names: the report carried no token of ours that still leads to a message.</summary>
    Address,

    /// <summary>No token of ours that leads to a message, and no address it may be applied to: nothing to apply it to.</summary>
    Unmatched,
}

/// <summary>
/// Applies bounces and complaints, from the bounce mailbox and the ESPs' webhooks alike: to the message the token names
/// (its customer, then its log and the ledger), or, for a signed ESP event without one, to the customer of the address.
/// An erased customer's grain ignores it; the answer is the same either way, so a report reveals nothing.
/// </summary>
public sealed partial class MailEvents(IGrainFactory grains, LinkTokens tokens, CustomerKeys keys, ILogger<MailEvents> logger)
{
    /// <summary>True for a genuine, unexpired token of a message's return path.</summary>
    public bool IsOurToken(string token) => tokens.Verify(LinkPurpose.Bounce, token) is not null;

    /// <summary>Applies one event; throws when the grains cannot take it, so the caller leaves the report to be read again.</summary>
    public async Task<MailEventOutcome> RecordAsync(MailEvent mailEvent)
    {
        if (mailEvent.Token is { } token && tokens.Verify(LinkPurpose.Bounce, token) is { } messageId && OwnerOf(messageId) is { } owner
            && await owner.RecordMailEventAsync(messageId, OncePerMessage(mailEvent, messageId)))
        {
            LogApplied(mailEvent.Kind, mailEvent.Source, messageId);
            return MailEventOutcome.Message;
        }

        // Anyone can write to the bounce mailbox: there, only our sealed token counts, or a forged bounce could silence
        // any address. An ESP's event is signed, and may name the address alone.
        if (mailEvent.Source != MailEvent.Sources.Mailbox && mailEvent.Recipient is { } address && address.Contains('@'))
        {
            await grains.GetGrain<ICustomerGrain>(keys.Of(address)).RecordMailEventAsync(mailEvent);
            LogAppliedToAddress(mailEvent.Kind, mailEvent.Source);
            return MailEventOutcome.Address;
        }

        LogUnmatched(mailEvent.Kind, mailEvent.Source);
        return MailEventOutcome.Unmatched;
    }

    /// <summary>
    /// A soft bounce counts once per message: a relay or ESP reports every retry of a deferred message, and three
    /// retries of one message are not three bounces.
    /// </summary>
    private static MailEvent OncePerMessage(MailEvent mailEvent, string messageId) =>
        mailEvent.Kind == MailEventKind.SoftBounce ? mailEvent with { EventId = $"soft:{messageId}" } : mailEvent;

    /// <summary>The grain that sent a message: message ids are <c>{cart or order id}/{flow}/{step}</c>, the flow telling which.</summary>
    private IFollowUpGrain? OwnerOf(string messageId) => FollowUpId.Parse(messageId) switch
    {
        { Cart: { } cart } => grains.GetGrain<ICartGrain>(cart),
        { Order: { } order } => grains.GetGrain<IOrderGrain>(order),
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} from {Source} recorded for message {MessageId}")]
    private partial void LogApplied(MailEventKind kind, string source, string messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} from {Source} recorded for the address it names (no token of ours)")]
    private partial void LogAppliedToAddress(MailEventKind kind, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} from {Source} names neither a message of ours nor an address: ignored")]
    private partial void LogUnmatched(MailEventKind kind, string source);
}
