namespace Orleans.Recovery.Reports;

/// <summary>How an order is credited to a message: the last one the customer clicked, or the last one sent to them.</summary>
public enum AttributionModel
{
    Click,
    Send,
}

/// <summary>A message that reached a customer, as the ledger knows it: when it went out and when it was clicked.</summary>
public sealed record Touch(
    string MessageId,
    string Flow,
    int Step,
    string? Variant,
    bool Marketing,
    DateTimeOffset SentAt,
    IReadOnlyList<DateTimeOffset> ClickedAt);

/// <summary>
/// Which message, if any, recovered an order. The rule is last touch within the window before the order, under the
/// configured model. Transactional mail never counts. An order before any send has nothing to credit. One order gets
/// at most one message.
/// </summary>
public static class Attribution
{
    /// <summary>The message that recovered an order placed at <paramref name="orderedAt"/>, or null when none did.</summary>
    public static Touch? For(DateTimeOffset orderedAt, IEnumerable<Touch> touches, AttributionModel model, TimeSpan window)
    {
        var from = orderedAt - window;
        return touches
            .Where(touch => touch.Marketing)
            .Select(touch => (Touch: touch, At: TouchedAt(touch, model, from, orderedAt)))
            .Where(candidate => candidate.At is not null)
            // The latest touch wins; two at the same instant are told apart by their message ids, so the answer
            // does not depend on the order the ledger returned them in.
            .OrderByDescending(candidate => candidate.At)
            .ThenByDescending(candidate => candidate.Touch.MessageId, StringComparer.Ordinal)
            .Select(candidate => candidate.Touch)
            .FirstOrDefault();
    }

    /// <summary>When the message touched the customer inside [from, to] under the model: its last click there, or its send.</summary>
    private static DateTimeOffset? TouchedAt(Touch touch, AttributionModel model, DateTimeOffset from, DateTimeOffset to) => model switch
    {
        AttributionModel.Send => touch.SentAt >= from && touch.SentAt <= to ? touch.SentAt : null,
        _ => touch.ClickedAt.Where(at => at >= from && at <= to && at >= touch.SentAt).Cast<DateTimeOffset?>().Max(),
    };
}
