using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.FollowUps;

/// <summary>
/// A follow-up's message id, <c>{owner}/{flow}/{step}</c>, stable across retries, ticks and restarts, so no message can
/// go out twice. The owner is the cart or order id, which may itself hold slashes; the flow says which kind of grain it
/// is. Every reader of a message id parses it here.
/// </summary>
public readonly record struct FollowUpId(string Owner, string Flow, string Step)
{
    /// <summary>The cart that sends it, for a cart-abandonment message.</summary>
    public string? Cart => Flow == FlowNames.CartAbandonment ? Owner : null;

    /// <summary>The order that sends it, for an incomplete-payment or post-purchase message.</summary>
    public string? Order => Flow is FlowNames.IncompletePayment or FlowNames.PostPurchase ? Owner : null;

    public override string ToString() => $"{Owner}/{Flow}/{Step}";

    /// <summary>The parts of <paramref name="messageId"/>, or null for what is not a follow-up's id.</summary>
    public static FollowUpId? Parse(string? messageId)
    {
        var stepAt = messageId?.LastIndexOf('/') ?? -1;
        var flowAt = stepAt > 0 ? messageId!.LastIndexOf('/', stepAt - 1) : -1;
        return flowAt > 0 && stepAt < messageId!.Length - 1 && stepAt - flowAt > 1
            ? new FollowUpId(messageId[..flowAt], messageId[(flowAt + 1)..stepAt], messageId[(stepAt + 1)..])
            : null;
    }
}
