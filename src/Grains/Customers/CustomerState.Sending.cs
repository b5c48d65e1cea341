using System.Collections.Immutable;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Customers;

/// <summary>The customer's side of every send: the decision, the last check before the relay, and places under the cap.</summary>
public sealed partial class CustomerState
{
    /// <summary>
    /// Decides one send, in this order: a purchase of the cart's items, unsubscribe or suppression, consent, quiet hours in
    /// the customer's zone, then the frequency cap. A granted marketing send takes a place under the cap at once,
    /// so two carts asking at the same moment cannot both pass a cap with one place left. Asking again for the same
    /// message (a retry) is granted on the place it already holds.
    /// </summary>
    public SendDecision Decide(SendRequest request, DateTimeOffset now, QuietHoursOptions quietHours, FrequencyCapOptions cap, ConsentMode consent, Func<int, int> pick)
    {
        if (!request.CartSkus.IsEmpty && request.CartFirstSeenAt is { } firstSeenAt && OrderThatBought(request.CartSkus, firstSeenAt) is { } orderId)
        {
            return new SendDecision(SendOutcome.Purchased, SkipReason.Purchased, PurchasedOrderId: orderId);
        }

        if (Refusal(request, consent) is { } refusal)
        {
            // An erase says when it ran: what it could not reach, reported before then, erases itself (IFollowUpOwner.ErasedBy).
            return new SendDecision(SendOutcome.Refused, refusal, Until: refusal == SkipReason.Erased ? SuppressedAt : null);
        }

        if (!request.Marketing)
        {
            return new SendDecision(SendOutcome.Granted);
        }

        var zone = CustomerTimeZones.For(request.TimeZone, request.Country, quietHours.ShopTimeZone);
        if (quietHours.NextAllowed(now, zone) is var morning && morning > now)
        {
            return new SendDecision(SendOutcome.Deferred, SkipReason.QuietHours, morning);
        }

        MarketingSends.RemoveAll(send => send.At <= now - FrequencyCapOptions.Window);
        var held = MarketingSends.FindIndex(send => send.MessageId == request.MessageId);
        if (held >= 0)
        {
            // The place is this message's already. The same attempt asked again while its hand-off may still run is the
            // grant written before: an activation that lost its own claim (deactivated mid-send) must not start it twice.
            if (MarketingSends[held] is { BusyUntil: { } busy } send && busy > now && request.Attempt <= send.Attempt)
            {
                return new SendDecision(SendOutcome.Busy, Until: busy);
            }

            MarketingSends[held] = MarketingSends[held] with { Attempt = request.Attempt, BusyUntil = request.BusyUntil };
        }
        else
        {
            if (MarketingSends.Count >= cap.MaxPerCustomerPer7Days)
            {
                // The place that frees first: the oldest send still counted leaves the window.
                var freesAt = MarketingSends[MarketingSends.Count - cap.MaxPerCustomerPer7Days].At + FrequencyCapOptions.Window;
                return new SendDecision(SendOutcome.Deferred, SkipReason.FrequencyCapped, freesAt);
            }

            MarketingSends.Add(new MarketingSend(request.MessageId, now, request.Attempt, request.BusyUntil));
        }

        return new SendDecision(SendOutcome.Granted, Variant: AssignVariant(request, pick));
    }

    /// <summary>
    /// Why a message may not go out now although it was granted: asked again right before the hand-off to the relay,
    /// so a purchase, unsubscribe or suppression acknowledged since the grant still stops it. Null to go ahead.
    /// </summary>
    public string? Refusal(SendRequest request, ConsentMode consent)
    {
        if (!request.CartSkus.IsEmpty && request.CartFirstSeenAt is { } firstSeenAt && OrderThatBought(request.CartSkus, firstSeenAt) is not null)
        {
            return SkipReason.Purchased;
        }

        if (SuppressedBecause is { } suppressed)
        {
            return suppressed is SkipReason.HardBounce or SkipReason.SoftBounces ? SkipReason.Suppressed : suppressed;
        }

        if (request.Marketing && UnsubscribedAt is not null)
        {
            return SkipReason.Unsubscribed;
        }

        if (request.Marketing && ComplainedAt is not null)
        {
            return SkipReason.Suppressed;
        }

        return ConsentRules.Allows(consent, request, HasConsent, PaidOrderSince) ? null : SkipReason.NoConsent;
    }

    /// <summary>A message that ends without delivery gives its place under the cap back.</summary>
    public bool Release(string messageId) => MarketingSends.RemoveAll(send => send.MessageId == messageId) > 0;

    private string? AssignVariant(SendRequest request, Func<int, int> pick)
    {
        if (request.Experiment is not { } experiment || request.Variants.IsEmpty)
        {
            return null;
        }

        if (Variants.TryGetValue(experiment, out var kept) && request.Variants.Any(variant => variant.Name == kept))
        {
            return kept;
        }

        var ticket = pick(request.Variants.Sum(variant => variant.Weight));
        foreach (var variant in request.Variants)
        {
            ticket -= variant.Weight;
            if (ticket < 0)
            {
                Variants[experiment] = variant.Name;
                return variant.Name;
            }
        }

        return null;
    }
}
