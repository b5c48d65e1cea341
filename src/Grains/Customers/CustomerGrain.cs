using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Recovery.Carts;
using Orleans.Reminders;

namespace Orleans.Recovery.Customers;

/// <summary>
/// One shopper across carts. Calls to carts are one-way: a cart awaits its customer at send time, so the customer
/// must never await a cart, or the two could wait on each other.
/// </summary>
public sealed class CustomerGrain(
    [PersistentState("customer", RecoveryStorage.Name)] IPersistentState<CustomerState> customer,
    [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock) : Grain, ICustomerGrain
{
    private CustomerState State => customer.State;

    public async Task<string?> TrackCartAsync(string cartId, ImmutableArray<string> skus, DateTimeOffset firstSeenAt)
    {
        if (State.OrderThatBought(skus, firstSeenAt) is { } orderId)
        {
            if (State.Carts.Remove(cartId))
            {
                await customer.WriteStateAsync();
            }

            return orderId;
        }

        if (!State.Carts.TryGetValue(cartId, out var known) || !known.Skus.SequenceEqual(skus))
        {
            State.Carts[cartId] = new TrackedCart(skus, firstSeenAt);
            await customer.WriteStateAsync();
        }

        return null;
    }

    public async Task ForgetCartAsync(string cartId)
    {
        if (State.Carts.Remove(cartId))
        {
            await customer.WriteStateAsync();
        }
    }

    public async Task OrderPlacedAsync(string orderId, string? cartId, ImmutableArray<string> skus)
    {
        var order = new TrackedOrder(orderId, skus, clock.GetUtcNow());
        State.RememberOrder(order);
        var bought = State.Carts
            .Where(pair => pair.Key == cartId || (order.Covers(pair.Value.Skus) && order.ReceivedAt >= pair.Value.FirstSeenAt - CustomerState.OutOfOrderTolerance))
            .Select(pair => pair.Key)
            .ToList();
        foreach (var id in bought)
        {
            State.Carts.Remove(id);
        }

        await customer.WriteStateAsync();
        foreach (var id in bought.Where(id => id != cartId))
        {
            await GrainFactory.GetGrain<ICartGrain>(id).PurchasedElsewhereAsync(orderId);
        }
    }

    public Task<SendPermission> CheckBeforeSendAsync(ImmutableArray<string> skus, DateTimeOffset firstSeenAt) =>
        Task.FromResult(State.CheckBeforeSend(skus, firstSeenAt));

    public async Task UnsubscribeAsync()
    {
        if (State.UnsubscribedAt is null)
        {
            State.UnsubscribedAt = clock.GetUtcNow();
            await customer.WriteStateAsync();
        }
    }

    public async Task SuppressAsync(string reason)
    {
        if (State.SuppressedBecause != reason)
        {
            State.SuppressedBecause = reason;
            await customer.WriteStateAsync();
        }
    }

    public Task<bool> IsUnsubscribedAsync() => Task.FromResult(State.UnsubscribedAt is not null);
}
