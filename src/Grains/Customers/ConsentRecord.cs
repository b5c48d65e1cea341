using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Customers;

/// <summary>
/// A shopper's marketing consent as given or taken back, kept as proof: when, where it came from, the wording they saw,
/// and for the capture script the client address it came from. <see cref="CartId"/> names the checkout it was given in, so
/// a box unticked again in that checkout takes it back, while a later cart reported without consent does not.
/// </summary>
[GenerateSerializer, Immutable, Alias("consent-record")]
public sealed record ConsentRecord(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] bool Given,
    [property: Id(2)] string Source,
    [property: Id(3)] string? Text = null,
    [property: Id(4)] string? ClientAddress = null,
    [property: Id(5)] string? CartId = null)
{
    /// <summary>The newest records kept on a customer.</summary>
    public const int Kept = 20;
}

/// <summary>Where a consent came from.</summary>
public static class ConsentSources
{
    /// <summary>The capture script on the shop's checkout page.</summary>
    public const string Capture = "capture";

    /// <summary><c>customer.marketingConsent</c> on the storefront API.</summary>
    public const string Api = "api";

    /// <summary>Shopify's <c>buyer_accepts_marketing</c> or <c>email_marketing_consent</c>.</summary>
    public const string Shopify = "shopify";

    /// <summary>The newsletter opt-in page linked from the review request.</summary>
    public const string NewsletterPage = "newsletter-page";
}

/// <summary>Whether a marketing message may go to a shopper under the configured <see cref="ConsentMode"/>.</summary>
public static class ConsentRules
{
    /// <summary>
    /// True when consent does not hold <paramref name="request"/> back: transactional mail always; marketing mail when
    /// the mode does not ask for consent, when the shopper gave it, or, under <see cref="ConsentMode.ExistingCustomer"/>,
    /// for a cart reminder to a shopper who paid for an order before.
    /// </summary>
    public static bool Allows(ConsentMode mode, SendRequest request, bool consented, DateTimeOffset? paidOrderSince) => mode switch
    {
        _ when !request.Marketing => true,
        ConsentMode.NotRequired => true,
        _ when consented => true,
        ConsentMode.ExistingCustomer => request.Flow == FlowNames.CartAbandonment && paidOrderSince is not null,
        _ => false,
    };
}
