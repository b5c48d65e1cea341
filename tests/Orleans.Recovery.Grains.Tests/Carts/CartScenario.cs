using System.Collections.Immutable;
using Orleans.Recovery.Carts;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Orders;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Grains.Tests.Carts;

/// <summary>A shopper with a cart, named uniquely so tests sharing the cluster never see each other's mail.</summary>
public sealed class CartScenario(ClusterFixture cluster, string? locale = "en-IE", string firstName = "Ana", string? email = null)
{
    public string CartId { get; } = $"cart-{Guid.NewGuid():N}";

    public string Email { get; } = email ?? $"shopper-{Guid.NewGuid():N}@example.test";

    public ICartGrain Cart => cluster.Grains.GetGrain<ICartGrain>(CartId);

    public CustomerProfile Customer => new(Email, firstName, "Example", null, locale);

    public static readonly ImmutableArray<CartLine> Items =
    [
        new("BEANS-1KG", "Espresso beans 1 kg", 2, 18.90m, "https://shop.test/img/beans.jpg", "https://shop.test/p/beans"),
        new("MUG-BLUE", "Blue mug", 1, 7.08m),
    ];

    public CartSnapshot Snapshot(ImmutableArray<CartLine>? items = null) =>
        new(Customer, "EUR", items ?? Items, 4.90m, $"https://shop.test/cart/{CartId}/restore");

    public Task PutAsync(ImmutableArray<CartLine>? items = null) => Cart.UpdateAsync(Snapshot(items));

    public OrderPlaced Order(string? cartId, ImmutableArray<CartLine>? items = null) =>
        new($"order-{Guid.NewGuid():N}", cartId, Customer, "EUR", items ?? Items, 44.88m, 4.90m, 0m, 49.78m, PaymentStatus.Paid);

    public Task<bool> BuyAsync(string? cartId, ImmutableArray<CartLine>? items = null)
    {
        var order = Order(cartId, items);
        return cluster.Grains.GetGrain<IOrderGrain>(order.OrderId).PlaceAsync(order);
    }

    public async Task<CartView> ViewAsync() => (await Cart.GetViewAsync())!;

    public Task<int> RemindersAsync() => cluster.RemindersOfAsync(Cart);

    /// <summary>
    /// Moves the clock a reminder period at a time until the cart holds no reminder: a cart with nothing left to send
    /// keeps it until the ledger has confirmed its entries, and its next tick takes it away.
    /// </summary>
    public Task ReminderGoneAsync() =>
        cluster.AdvanceUntilAsync(Orleans.Recovery.FollowUps.FollowUpReminder.Tick, async () => await RemindersAsync() == 0, $"the reminder of {CartId} to go");

    /// <summary>The shopper's recovery emails: marketing, so each carries List-Unsubscribe. An order's confirmation is not one.</summary>
    public IEnumerable<MimeKit.MimeMessage> Sent => cluster.Smtp.To(Email).Where(m => m.Headers.Contains("List-Unsubscribe"));

    public int MailCount => Sent.Count();

    public async Task<IReadOnlyList<MimeKit.MimeMessage>> WaitForMailAsync(int count = 1)
    {
        await Eventually.TrueAsync(() => Task.FromResult(MailCount >= count), what: $"{count} recovery email(s) to {Email}");
        return [.. Sent];
    }

    /// <summary>Moves the clock by <paramref name="by"/> and on until <paramref name="count"/> messages have arrived.</summary>
    public async Task<IReadOnlyList<MimeKit.MimeMessage>> AdvanceUntilMailAsync(TimeSpan by, int count = 1)
    {
        await cluster.AdvanceUntilAsync(by, () => Task.FromResult(MailCount >= count), $"{count} message(s) to {Email}");
        return [.. Sent];
    }

    /// <summary>Moves the clock by <paramref name="by"/> and on until the log shows an entry matching <paramref name="match"/>.</summary>
    public Task AdvanceUntilLogAsync(TimeSpan by, Func<MessageRecord, bool> match) =>
        cluster.AdvanceUntilAsync(by, async () => (await ViewAsync()).Messages.Any(match), $"a log entry of {CartId}");

    /// <summary>Waits until the cart's log shows <paramref name="count"/> entries matching <paramref name="match"/>.</summary>
    public Task WaitForLogAsync(Func<MessageRecord, bool> match, int count = 1) =>
        Eventually.TrueAsync(async () => (await ViewAsync()).Messages.Count(match) >= count, what: $"log entries of {CartId}");
}
