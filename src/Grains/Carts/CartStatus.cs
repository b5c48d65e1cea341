namespace Orleans.Recovery.Carts;

/// <summary>Where a cart stands in its recovery.</summary>
public enum CartStatus
{
    /// <summary>Not yet reported by the storefront (an order may already have named it).</summary>
    Unknown,
    Active,
    Purchased,
    Deleted,
}
