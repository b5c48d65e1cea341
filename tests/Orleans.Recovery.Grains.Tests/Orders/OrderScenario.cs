using System.Collections.Immutable;
using MimeKit;
using Orleans.Recovery.Carts;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Orders;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Grains.Tests.Orders;

/// <summary>A shopper with an order, named uniquely so tests sharing the cluster never see each other's mail.</summary>
public sealed class OrderScenario(ClusterFixture cluster, string locale = "en-IE", string? timeZone = null)
{
    public string OrderId { get; } = $"order-{Guid.NewGuid():N}";

    public string Email { get; } = $"shopper-{Guid.NewGuid():N}@example.test";

    public IOrderGrain Order => cluster.Grains.GetGrain<IOrderGrain>(OrderId);

    public CustomerProfile Customer => new(Email, "Ana", "Example", null, locale, null, timeZone);

    public static readonly ImmutableArray<CartLine> Items =
    [
        new("BEANS-1KG", "Espresso beans 1 kg", 2, 18.90m),
        new("MUG-BLUE", "Blue mug", 1, 7.08m),
    ];

    public Task<bool> PlaceAsync(PaymentStatus payment = PaymentStatus.Paid) => Order.PlaceAsync(
        new OrderPlaced(OrderId, null, Customer, "EUR", Items, 44.88m, 4.90m, 8.53m, 58.31m, payment, new DateOnly(2026, 11, 30)));

    public async Task<OrderView> ViewAsync() => (await Order.GetViewAsync())!;

    public int MailCount => cluster.Smtp.To(Email).Count();

    public Task<IReadOnlyList<MimeMessage>> WaitForMailAsync(int count) => cluster.Smtp.WaitForAsync(Email, count);

    public async Task<IReadOnlyList<MimeMessage>> AdvanceUntilMailAsync(TimeSpan by, int count)
    {
        await cluster.AdvanceUntilAsync(by, () => Task.FromResult(MailCount >= count), $"{count} message(s) to {Email}");
        return [.. cluster.Smtp.To(Email)];
    }

    public Task WaitForLogAsync(Func<MessageRecord, bool> match) =>
        Eventually.TrueAsync(async () => (await ViewAsync()).Messages.Any(match), what: $"a log entry of {OrderId}");
}
