using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Coupons;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Flows;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Retention;

namespace Orleans.Recovery.Carts;

/// <summary>How a cart leaves: forgotten once retention has passed, or erased with its shopper.</summary>
public sealed partial class CartGrain
{
    public async Task<bool> ForgetIfRetiredAsync()
    {
        if (!State.IsRetired(Now - retention.CurrentValue.After))
        {
            return false;
        }

        await ForgetCustomersLinksAsync();

        // The customer keeps an unsubscribe or suppression: a cart reported again later still gets no mail to them.
        await Engine.ForgetAsync(cart.ClearStateAsync);
        DeactivateOnIdle();
        LogForgotten(CartId);
        return true;
    }

    public async Task EraseAsync()
    {
        await ForgetCustomersLinksAsync();
        await Engine.CancelAsync(_ => true, SkipReason.Erased, Now);
        await Engine.ForgetAsync(cart.ClearStateAsync);
        DeactivateOnIdle();
    }

    /// <summary>The customers who keep this cart among theirs (its shopper, and a contact captured for another) let it go.</summary>
    private async Task ForgetCustomersLinksAsync()
    {
        if (State.Snapshot is { } snapshot)
        {
            await CustomerOf(snapshot).ForgetCartAsync(CartId);
        }

        if (State.Captured is { } captured && KeyOf(captured.Customer) != SnapshotKey)
        {
            await GrainFactory.GetGrain<ICustomerGrain>(KeyOf(captured.Customer)).ForgetCartAsync(CartId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cart {CartId}: finished longer than the retention period ago; forgotten")]
    private partial void LogForgotten(string cartId);
}
