using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Ledger;
using Orleans.Reminders;

namespace Orleans.Recovery.Customers;

/// <summary>What the customer lets us send: an unsubscribe, their preferences, and a suppression after bounces and complaints.</summary>
public sealed partial class CustomerGrain
{
    public Task UnsubscribeAsync() =>
        RecordPreferenceAsync(new PreferenceChoice(clock.GetUtcNow(), PreferenceChoice.AllMarketing, null, null, PreferenceChoice.ViaOneClick));

    public async Task RecordPreferenceAsync(PreferenceChoice choice)
    {
        if (State.SuppressedBecause == SkipReason.Erased)
        {
            // An erased customer keeps nothing but the erasure.
            return;
        }

        if (State.Record(choice with { At = clock.GetUtcNow() }))
        {
            State.Journal.Add(new Unsubscribed { At = State.UnsubscribedAt!.Value });
        }

        await SaveAsync();
    }

    public async Task SuppressAsync(string reason)
    {
        if (State.SuppressedBecause is null)
        {
            State.Suppress(reason, clock.GetUtcNow());
            await SaveAsync();
        }
    }

    public async Task<bool> RecordMailEventAsync(Mail.Bounces.MailEvent mailEvent)
    {
        if (State.RecordMailEvent(mailEvent, clock.GetUtcNow(), bounces.CurrentValue.SoftLimit))
        {
            await SaveAsync();
        }

        return State.SuppressedBecause != SkipReason.Erased;
    }
}
