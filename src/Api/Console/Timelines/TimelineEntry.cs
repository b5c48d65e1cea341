using Orleans.Recovery.Carts;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Api.Console.Shared;
using Orleans.Recovery.Orders;

namespace Orleans.Recovery.Api.Console.Timelines;

/// <summary>
/// One thing that happened to a cart or an order, as its timeline lists it: when, what, why (the reason a step was
/// skipped, deferred or failed, or a payment declined), and any other detail.
/// </summary>
public sealed record TimelineEntry(DateTimeOffset At, string Kind, string What, string? Why = null, string? Detail = null)
{
    public static IEnumerable<TimelineEntry> Of(MessageRecord message)
    {
        var step = $"{message.Flow}, step {message.Step}{(message.Variant is null ? "" : $" (variant {message.Variant})")}";
        var subject = message.Subject is null ? "" : $": “{message.Subject}”";
        yield return message.Status switch
        {
            MessageStatus.Sent => new(message.At, "sent", $"Sent {step}{subject}"),
            MessageStatus.Sending => new(message.At, "sending", $"Handed {step} to the mail relay{subject}"),
            MessageStatus.Skipped => new(message.At, "skipped", $"Skipped {step}", Show.Reason(message.Reason ?? "unknown")),
            MessageStatus.Failed => new(message.At, "failed", $"Failed to send {step}", message.Reason),
            MessageStatus.Deferred => new(message.At, "deferred", $"Deferred {step}",
                Show.Reason(message.Reason ?? "unknown") + (message.DeferredUntil is { } until ? $", until {Show.Time(until)}" : "")),
            MessageStatus.Bounced => new(message.At, "bounced", $"Reported undeliverable: {step}", Show.Reason(message.Reason ?? "bounce")),
            MessageStatus.Complained => new(message.At, "complained", $"Marked as spam by the shopper: {step}", Show.Reason(message.Reason ?? "complaint")),
            _ => new(message.At, "message", $"{message.Status} {step}", message.Reason),
        };
    }

    public static IEnumerable<TimelineEntry> Of(CartView cart)
    {
        foreach (var message in cart.Messages)
        {
            foreach (var entry in Of(message))
            {
                yield return entry;
            }
        }

        if (cart.RemindersStoppedAt is { } stopped)
        {
            yield return new(stopped, "stopped", "The shopper stopped the reminders about this cart", "on the unsubscribe page");
        }

        foreach (var click in cart.Clicks)
        {
            yield return new(click.At, "clicked", "Clicked the link back to the cart", Detail: $"in message {click.MessageId}");
        }

        if (cart.LastActivityAt is { } last)
        {
            yield return new(last, "activity", "Last activity reported by the storefront");
        }

        if (cart.NextDueAt is { } due && cart.NextStep is { } next)
        {
            yield return new(due, "pending", $"Step {next} is due");
        }
    }

    public static IEnumerable<TimelineEntry> Of(OrderView order)
    {
        if (order.ReceivedAt is { } received)
        {
            yield return new(received, "order", $"Order placed, {Show.Money(order.Order.Total, order.Order.Currency)}", Detail: $"payment {Show.Words(order.Order.PaymentStatus)}");
        }

        if (order.PaymentFailure is { } failure)
        {
            yield return new(failure.At, "payment-failed", "Payment failed", Show.Words(failure.Reason));
        }

        if (order.PaidAt is { } paid)
        {
            yield return new(paid, "paid", "Paid");
        }

        foreach (var shipment in order.Shipments)
        {
            yield return new(order.ReceivedAt ?? DateTimeOffset.MinValue, "shipment", $"Shipment {shipment.ShipmentId} with {shipment.Carrier}",
                Detail: shipment.EstimatedDelivery is { } eta ? $"expected {eta:yyyy-MM-dd}" : null);
        }

        foreach (var delay in order.Delays)
        {
            yield return new(delay.ReportedAt, "delay", "Delay reported",
                Detail: string.Join(", ", delay.Delay.Options.Select(option => Show.Words(option))) is { Length: > 0 } options ? $"offered: {options}" : null);
            if (delay.Choice is { } choice && delay.ChoiceAt is { } at)
            {
                yield return new(at, "delay-choice", $"The shopper chose to {Show.Words(choice)}");
            }
        }

        if (order.DeliveredAt is { } delivered)
        {
            yield return new(delivered, "delivered", "Delivered");
        }

        if (order.Rating is { } rating)
        {
            yield return new(rating.At, "rating", $"Rated {rating.Value} of 5");
        }

        if (order.CancelledAt is { } cancelled)
        {
            yield return new(cancelled, "cancelled", "Cancelled");
        }

        foreach (var message in order.Messages)
        {
            foreach (var entry in Of(message))
            {
                yield return entry;
            }
        }

        foreach (var pending in order.Pending)
        {
            yield return new(pending.DueAt, "pending", $"{pending.Flow}, step {pending.Step} is due",
                Detail: pending.Attempts > 0 ? $"{pending.Attempts} attempts so far, next at {Show.Time(pending.NextAttemptAt)}" : null);
        }
    }
}
