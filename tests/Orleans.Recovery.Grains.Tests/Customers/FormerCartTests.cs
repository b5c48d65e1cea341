using Orleans.Recovery.Customers;

namespace Orleans.Recovery.Grains.Tests.Customers;

/// <summary>
/// Carts that ended without a purchase stay known to their customer while they still hold the customer's details, so
/// an erase reaches them, and are dropped once the retention sweep has surely cleared them.
/// </summary>
[Trait("Category", "Unit")]
public sealed class FormerCartTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Retention = TimeSpan.FromDays(90);

    [Fact]
    public void AnEndedCartIsNoLongerMatchedAgainstOrdersButStaysAmongTheFormerCarts()
    {
        var state = new CustomerState();
        state.Carts["c-1"] = new TrackedCart(["SKU-1"], Start);

        state.RememberFormerCart("c-1", Start.AddHours(1), Retention);

        Assert.Empty(state.Carts);
        Assert.Equal(Start.AddHours(1), state.FormerCarts["c-1"]);
    }

    [Fact]
    public void AFormerCartIsDroppedTwoDaysAfterRetentionWouldHaveClearedIt()
    {
        var state = new CustomerState();
        state.RememberFormerCart("old", Start, Retention);
        state.RememberFormerCart("recent", Start.AddDays(30), Retention);

        state.RememberFormerCart("new", Start + Retention + TimeSpan.FromDays(2) - TimeSpan.FromMinutes(1), Retention);
        Assert.Equal(["new", "old", "recent"], state.FormerCarts.Keys.Order());

        state.RememberFormerCart("newer", Start + Retention + TimeSpan.FromDays(2) + TimeSpan.FromMinutes(1), Retention);
        Assert.Equal(["new", "newer", "recent"], state.FormerCarts.Keys.Order());
    }
}
