namespace Orleans.Recovery.Links;

/// <summary>
/// The payload an unsubscribe link signs: the customer key, and for a cart's reminder the message id after a space, so the
/// page can offer to stop that cart's reminders only. Customer keys hold no spaces; message ids may hold anything after.
/// </summary>
public static class UnsubscribePayload
{
    public static string Of(string customerKey, string? cartMessageId) =>
        cartMessageId is null ? customerKey : $"{customerKey} {cartMessageId}";

    public static (string CustomerKey, string? CartMessageId) Parse(string subject) =>
        subject.IndexOf(' ') is var space and > 0 ? (subject[..space], subject[(space + 1)..]) : (subject, null);
}
