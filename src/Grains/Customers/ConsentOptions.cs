namespace Orleans.Recovery.Customers;

/// <summary>
/// Whether marketing mail needs the shopper's recorded consent, bound from <c>Recovery:Consent</c>. Transactional mail
/// (confirmation, shipment, delay, delivered) never depends on it.
/// </summary>
public sealed class ConsentOptions
{
    public const string Section = "Recovery:Consent";

    public ConsentMode Mode { get; set; } = ConsentMode.NotRequired;
}

public enum ConsentMode
{
    /// <summary>Marketing mail goes to every shopper who has not unsubscribed.</summary>
    NotRequired,

    /// <summary>Marketing mail goes only to shoppers with a recorded consent.</summary>
    Required,

    /// <summary>
    /// As <see cref="Required"/>, but a shopper who has paid for an order before, and has not unsubscribed, may get cart
    /// reminders without a recorded consent (the existing-customer exception some markets have, such as § 7 (3) UWG).
    /// </summary>
    ExistingCustomer,
}
