namespace Orleans.Recovery.Links;

/// <summary>
/// The payload a restore link signs: the customer key of the shopper it was sent to, a space, and the message id. The key
/// lets the link refuse a cart whose id the storefront has since given to someone else. Links sent before it held the
/// message id alone, and are still read.
/// </summary>
public static class RestorePayload
{
    public static string Of(string customerKey, string messageId) => $"{customerKey} {messageId}";

    /// <summary>The customer key (null for a link from before keys were kept) and the message id.</summary>
    public static (string? CustomerKey, string MessageId) Parse(string subject) =>
        subject.IndexOf(' ') is var space and > 0 && IsCustomerKey(subject.AsSpan(0, space))
            ? (subject[..space], subject[(space + 1)..])
            : (null, subject);

    // Customer keys are "k" and 32 lowercase hex digits (CustomerKeys.Of), or "c" and 32 in links mailed before keys were
    // keyed; a message id never starts like that and a space.
    private static bool IsCustomerKey(ReadOnlySpan<char> text) =>
        text.Length == 33 && text[0] is 'k' or 'c' && !text[1..].ContainsAnyExcept("0123456789abcdef");
}
