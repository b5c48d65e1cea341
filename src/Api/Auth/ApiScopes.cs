namespace Orleans.Recovery.Api.Auth;

/// <summary>What a key may do: the storefront reports events; the operator inspects and configures.</summary>
public static class ApiScopes
{
    public const string ClaimType = "scope";
    public const string Storefront = "storefront";
    public const string Operator = "operator";

    /// <summary>The capture script's publishable key: it may record a shopper's contact for a cart, nothing else.</summary>
    public const string Capture = "capture";
}
