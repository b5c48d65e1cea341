using System.ComponentModel.DataAnnotations;
using Orleans.Recovery.Api.Validation;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Customers;

namespace Orleans.Recovery.Api.Carts;

/// <summary>The shopper, as the storefront knows them.</summary>
public sealed record CustomerRequest
{
    [Required, Email, StringLength(254)]
    public string? Email { get; init; }

    [Required, SingleLine, StringLength(100, MinimumLength = 1)]
    public string? FirstName { get; init; }

    [SingleLine, StringLength(100)]
    public string? LastName { get; init; }

    [SingleLine, StringLength(200)]
    public string? CustomerId { get; init; }

    [Locale]
    public string? Locale { get; init; }

    [RegularExpression("^[A-Za-z]{2}$", ErrorMessage = "The country field must be a two-letter ISO 3166 code such as DE.")]
    public string? Country { get; init; }

    [TimeZone]
    public string? TimeZone { get; init; }

    /// <summary>Whether the shopper agreed to marketing email; kept as proof with <see cref="ConsentText"/> when true.</summary>
    public bool? MarketingConsent { get; init; }

    /// <summary>The wording shown beside the consent checkbox, as the shopper saw it.</summary>
    [StringLength(2000)]
    public string? ConsentText { get; init; }

    public CustomerProfile ToProfile() => new(
        Email!.Trim(), FirstName!.Trim(), LastName?.Trim(), CustomerId, Locale, Country?.ToUpperInvariant(), TimeZone, MarketingConsent, ConsentText?.Trim());
}

/// <summary>One line of a cart or order.</summary>
public sealed record CartItemRequest
{
    [Required, SingleLine, StringLength(100, MinimumLength = 1)]
    public string? Sku { get; init; }

    [Required, SingleLine, StringLength(300, MinimumLength = 1)]
    public string? Name { get; init; }

    [Range(1, 100_000, ErrorMessage = "The quantity field must be a whole number from 1 to 100000.")]
    public int Quantity { get; init; }

    [Range(typeof(decimal), "0", "1000000000", ErrorMessage = "The unitPrice field must be zero or more.")]
    public decimal UnitPrice { get; init; }

    [HttpUrl]
    public string? ImageUrl { get; init; }

    [HttpUrl]
    public string? ProductUrl { get; init; }

    public CartLine ToLine() => new(Sku!, Name!, Quantity, UnitPrice, Optional(ImageUrl), Optional(ProductUrl));

    private static string? Optional(string? url) => url is null ? null : HttpUrls.Normalize(url);
}

/// <summary>The body of <c>PUT /api/v1/carts/{cartId}</c>: the whole cart, replacing what was there.</summary>
public sealed record CartSnapshotRequest
{
    /// <summary>
    /// The shopper. May be left out when the capture script records the contact at checkout: the captured contact is
    /// used, and until one is captured the items wait for it. A customer given here wins over a captured one.
    /// </summary>
    public CustomerRequest? Customer { get; init; }

    [Required, Currency]
    public string? Currency { get; init; }

    [Required, MaxLength(500), NoNullItems]
    public List<CartItemRequest>? Items { get; init; }

    [Range(typeof(decimal), "0", "1000000000", ErrorMessage = "The shippingCost field must be zero or more.")]
    public decimal? ShippingCost { get; init; }

    [Required, HttpUrl]
    public string? RestoreUrl { get; init; }

    public CartSnapshot ToSnapshot() => ToContents().For(Customer!.ToProfile());

    public CartContents ToContents() =>
        new(Currency!, [.. Items!.Select(item => item.ToLine())], ShippingCost, HttpUrls.Normalize(RestoreUrl!));
}
