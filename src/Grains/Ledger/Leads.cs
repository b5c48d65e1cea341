using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Customers;
using Orleans.Recovery.FollowUps;

namespace Orleans.Recovery.Ledger;

/// <summary>How a cart or an order tells the ledger what it is as a lead.</summary>
public static class Leads
{
    // A grain rebuilds its lead at every write and appends it again only when it changed (LedgerFeed compares leads,
    // and an immutable array compares by the array it holds). So the same lines of a cart or order give the same
    // items: converted once for each array of lines the grain's state holds.
    private static readonly ConditionalWeakTable<CartLine[], StrongBox<ImmutableArray<LeadItem>>> _items = new();

    /// <summary>
    /// A lead of <paramref name="customer"/>'s items, open, with the steps <paramref name="messages"/> show sent and the
    /// last coupon they carried; the caller sets its dates and what became of it.
    /// </summary>
    public static Lead Of(string type, CustomerProfile customer, ImmutableArray<CartLine> items, decimal total, string currency, IEnumerable<MessageRecord> messages)
    {
        var sent = messages.Where(record => record.Status == MessageStatus.Sent).ToList();
        return new Lead
        {
            Type = type,
            Email = customer.Email,
            FirstName = customer.FirstName,
            LastName = customer.LastName,
            Locale = customer.Locale,
            Country = customer.Country,
            Items = ItemsOf(items),
            Total = total,
            Currency = currency,
            CreatedAt = default,
            LastActivityAt = default,
            StepsSent = sent.Count,
            CouponCode = sent.LastOrDefault(record => record.CouponCode is not null)?.CouponCode,
            Outcome = LeadOutcome.Open,
        };
    }

    private static ImmutableArray<LeadItem> ItemsOf(ImmutableArray<CartLine> lines) =>
        ImmutableCollectionsMarshal.AsArray(lines) is { } array
            ? _items.GetValue(array, static array => new([.. array.Select(line => new LeadItem(line.Sku, line.Name, line.Quantity, line.UnitPrice, line.ImageUrl, line.ProductUrl))])).Value
            : [];
}
