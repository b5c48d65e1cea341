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

/// <summary>
/// The contact the capture script sends from the checkout's first step, which may come before the storefront reports
/// the cart or correct the address it reported.
/// </summary>
public sealed partial class CartGrain
{
    public async Task CaptureAsync(CustomerProfile contact, ConsentRecord? consent)
    {
        var now = Now;
        var previous = State.Captured;
        State.Captured = new CapturedContact(contact, now);

        // The customer remembers the cart first, so an erase of this address finds it even if nothing else follows.
        await GrainFactory.GetGrain<ICustomerGrain>(KeyOf(contact)).ContactCapturedAsync(CartId, consent);
        if (previous is not null && KeyOf(previous.Customer) != KeyOf(contact) && SnapshotKey != KeyOf(previous.Customer))
        {
            // A corrected address: the first one typed no longer holds this cart.
            await GrainFactory.GetGrain<ICustomerGrain>(KeyOf(previous.Customer)).ForgetCartAsync(CartId);
        }

        if (State.AwaitingContact is { } contents)
        {
            State.AwaitingContact = null;
            State.ContactFromCapture = true;
            await ApplyAsync(contents.For(contact), consent: null);
        }
        else if (State.ContactFromCapture && State.Snapshot is { } snapshot && State.Status == CartStatus.Active)
        {
            await ApplyAsync(snapshot with { Customer = contact }, consent: null);
        }
        else
        {
            await Engine.SaveAsync();
        }
    }
}
