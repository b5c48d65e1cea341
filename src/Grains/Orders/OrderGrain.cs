using Microsoft.Extensions.DependencyInjection;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Customers;
using Orleans.Reminders;

namespace Orleans.Recovery.Orders;

/// <summary>One order. It tells the cart and the customer before it counts itself recorded.</summary>
public sealed class OrderGrain(
    [PersistentState("order", RecoveryStorage.Name)] IPersistentState<OrderState> order,
    [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock) : Grain, IOrderGrain
{
    public async Task<bool> PlaceAsync(OrderPlaced placed)
    {
        var first = order.State.Order is null;

        // Cart and customer first, both idempotent: if we crash before the write below, the storefront's retry
        // repeats them, and a recorded order has always cancelled its carts.
        if (placed.CartId is { } cartId)
        {
            await GrainFactory.GetGrain<ICartGrain>(cartId).MarkPurchasedAsync(placed.OrderId);
        }

        await GrainFactory.GetGrain<ICustomerGrain>(placed.Customer.Key).OrderPlacedAsync(placed.OrderId, placed.CartId, placed.Skus);

        if (first)
        {
            order.State.Order = placed;
            order.State.ReceivedAt = clock.GetUtcNow();
            await order.WriteStateAsync();
        }

        return first;
    }
}
