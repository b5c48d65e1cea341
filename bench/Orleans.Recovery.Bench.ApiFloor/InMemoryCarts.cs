using System.Collections.Concurrent;
using Orleans.Recovery.Carts;

namespace Orleans.Recovery.Bench.ApiFloor;

/// <summary>
/// The floor's whole storage: each cart's last snapshot in a dictionary, where the product keeps it in a cart grain.
/// A snapshot without its shopper joins the one already known, as the cart grain does; until one is known it waits.
/// </summary>
public sealed class InMemoryCarts
{
    private readonly ConcurrentDictionary<string, CartSnapshot> _snapshots = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CartContents> _waiting = new(StringComparer.Ordinal);

    public void Store(string cartId, CartSnapshot snapshot)
    {
        _snapshots[cartId] = snapshot;
        _waiting.TryRemove(cartId, out _);
    }

    /// <summary>True when the cart's shopper is known and the contents were joined to them.</summary>
    public bool StoreContents(string cartId, CartContents contents)
    {
        if (_snapshots.TryGetValue(cartId, out var known))
        {
            _snapshots[cartId] = contents.For(known.Customer);
            return true;
        }

        _waiting[cartId] = contents;
        return false;
    }
}
