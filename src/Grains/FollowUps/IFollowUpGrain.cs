// The namespace is the interface's name on the wire: a silo of the version before calls it by this name during a
// rolling upgrade, so the file moved to FollowUps/ and the name did not.
namespace Orleans.Recovery.Flows;

/// <summary>A grain whose pending follow-ups wait under one reminder: a cart, an order.</summary>
public interface IFollowUpGrain : Ledger.ILedgerConfirmedGrain
{
    /// <summary>
    /// Times the unsent steps of <paramref name="flow"/> on <paramref name="definition"/>, after an operator changed
    /// it, so a shorter delay is kept as well as a longer one. Nothing happens for a grain with none pending.
    /// </summary>
    Task RetimeAsync(string flow, FlowDefinition definition);

    /// <summary>
    /// Records what became of a hand-off the grain started; called by the mail grain when the relay (or the webhook) answered.
    /// A message withdrawn meanwhile is only logged, as sent if it went out after all.
    /// </summary>
    Task SettleAsync(string messageId, int attempt, Mail.DeliveryResult result);

    /// <summary>
    /// Whether the grain still owes attempt <paramref name="attempt"/> of the message: asked by the mail grain right
    /// before the relay, so a message the grain withdrew meanwhile (a purchase, a deleted cart, an erase) never goes.
    /// </summary>
    Task<bool> IsOwedAsync(string messageId, int attempt);

    /// <summary>
    /// Records a bounce or complaint about a message this grain sent, and applies it to the customer. False when no
    /// such message went out from here to a customer, or the grain forgot it.
    /// </summary>
    Task<bool> RecordMailEventAsync(string messageId, Mail.Bounces.MailEvent mailEvent);
}
