namespace Orleans.Recovery.Ledger;

/// <summary>How an order is credited to a message: the last one the customer clicked, or the last one sent to them.</summary>
public enum AttributionModel
{
    Click,
    Send,
}

/// <summary>
/// A message that reached a customer, as the ledger knows it: when it went out and when it was clicked; for a payment
/// reminder, the order it asks to pay.
/// </summary>
public sealed record Touch(
    string MessageId,
    string Flow,
    int Step,
    string? Variant,
    bool Marketing,
    DateTimeOffset SentAt,
    IReadOnlyList<DateTimeOffset> ClickedAt,
    string? OrderId = null);

/// <summary>
/// Which message, if any, recovered an order. The rule is last touch within the window before the order converted
/// (was placed paid, or paid later), under the configured model. Only recovery mail counts (abandoned cart, incomplete
/// payment): transactional mail never does, nor a review request. An order before any send has nothing to credit. One
/// order gets at most one message. A payment reminder recovers its own order when the payment follows it within the
/// window, clicked or not: the shopper may pay at the shop without the link.
/// </summary>
public static class Attribution
{
    /// <summary>The flows whose mail recovers orders.</summary>
    public static readonly IReadOnlySet<string> RecoveryFlows = new HashSet<string> { FlowNames.CartAbandonment, FlowNames.IncompletePayment };

    /// <summary>
    /// The message that recovered order <paramref name="orderId"/>, converted at <paramref name="convertedAt"/>, or null
    /// when none did. The order's own payment reminders count by their send under either model.
    /// </summary>
    public static Touch? For(DateTimeOffset convertedAt, IEnumerable<Touch> touches, AttributionModel model, TimeSpan window, string? orderId = null)
    {
        var from = convertedAt - window;
        return touches
            .Where(touch => touch.Marketing && RecoveryFlows.Contains(touch.Flow))
            .Select(touch => (Touch: touch, At: touch.OrderId is not null && touch.OrderId == orderId
                ? Later(TouchedAt(touch, AttributionModel.Send, from, convertedAt), TouchedAt(touch, AttributionModel.Click, from, convertedAt))
                : TouchedAt(touch, model, from, convertedAt)))
            .Where(candidate => candidate.At is not null)
            // The latest touch wins; two at the same instant are told apart by their message ids, so the answer
            // does not depend on the order the ledger returned them in.
            .OrderByDescending(candidate => candidate.At)
            .ThenByDescending(candidate => candidate.Touch.MessageId, StringComparer.Ordinal)
            .Select(candidate => candidate.Touch)
            .FirstOrDefault();
    }

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a > b || b is null ? a : b;

    /// <summary>When the message touched the customer inside [from, to] under the model: its last click there, or its send.</summary>
    private static DateTimeOffset? TouchedAt(Touch touch, AttributionModel model, DateTimeOffset from, DateTimeOffset to) => model switch
    {
        AttributionModel.Send => touch.SentAt >= from && touch.SentAt <= to ? touch.SentAt : null,
        _ => touch.ClickedAt.Where(at => at >= from && at <= to && at >= touch.SentAt).Cast<DateTimeOffset?>().Max(),
    };
}
