namespace Orleans.Recovery.Ledger;

/// <summary>A customer as the ledger stitches one: the key of their address, and the shop's own id when it gave one.</summary>
internal readonly record struct CustomerIdentity(string Key, string? Shop)
{
    /// <summary>The customer whose facts a grain's batch holds; the key is empty when the grain knows none.</summary>
    public static CustomerIdentity Of(LedgerOwner owner) => new(owner.CustomerKey ?? "", owner.ShopCustomerId);

    /// <summary>The same customer: the same address, or the same shop id.</summary>
    public bool Matches(CustomerIdentity other) => other.Key == Key || (Shop is not null && other.Shop == Shop);
}
