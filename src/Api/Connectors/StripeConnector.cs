using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Orders;
using Stripe;

namespace Orleans.Recovery.Api.Connectors;

/// <summary>
/// Stripe's webhooks for a shop that takes payments with Stripe: a failed payment starts the payment reminders of the
/// order its metadata names, a succeeded one stops them. Each endpoint gets its events in the account's own API version,
/// so only fields stable across versions are read: the event's id and type, and the object's metadata,
/// <c>last_payment_error</c> and, on an invoice, <c>hosted_invoice_url</c>. The signature is checked by Stripe.net's
/// <see cref="EventUtility"/>; the payload is read as plain JSON.
/// </summary>
public sealed class StripeConnector(IOptionsMonitor<ConnectorOptions> options, IGrainFactory grains) : IConnector
{
    public string Provider => "stripe";

    public bool Enabled => options.CurrentValue.Stripe.Enabled;

    public Delivery Verify(HttpRequest request, byte[] body, DateTimeOffset now)
    {
        var header = request.Headers["Stripe-Signature"].ToString();
        if (header.Length == 0)
        {
            return Delivery.Refused("unknown", "no Stripe-Signature signature");
        }

        string json;
        try
        {
            json = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
            EventUtility.ValidateSignature(json, header, options.CurrentValue.Stripe.Secret!, (long)ConnectorOptions.StripeOptions.Tolerance.TotalSeconds, now.ToUnixTimeSeconds());
        }
        catch (Exception exception) when (exception is StripeException or DecoderFallbackException)
        {
            return Delivery.Refused("unknown", "the Stripe-Signature signature does not match, or is older than 5 minutes");
        }

        // Only now is the body trusted enough to read its type and id.
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            return new Delivery(ShopFields.Line(root.Text("type"), 100) is { Length: > 0 } type ? type : "unknown", root.Text("id") is { Length: <= 200 } id ? id : null);
        }
        catch (JsonException)
        {
            return new Delivery("unknown", null);
        }
    }

    public async Task<ConnectorResult> ApplyAsync(Delivery delivery, JsonElement stripeEvent, HttpRequest request)
    {
        var payment = stripeEvent.Get("data").Get("object");
        return delivery.Topic switch
        {
            "payment_intent.payment_failed" => await FailedAsync(payment, Metadata(payment), hostedUrl: null),
            "invoice.payment_failed" => await FailedAsync(payment, Metadata(payment) ?? Metadata(payment.Get("parent").Get("subscription_details")) ?? Metadata(payment.Get("subscription_details")), payment.Text("hosted_invoice_url")),
            "payment_intent.succeeded" => await SucceededAsync(Metadata(payment)),
            _ => ConnectorResult.Ignored($"the event type {delivery.Topic} is not one the engine maps"),
        };
    }

    private async Task<ConnectorResult> FailedAsync(JsonElement? payment, JsonElement? metadata, string? hostedUrl)
    {
        var stripe = options.CurrentValue.Stripe;
        if (OrderId(metadata) is not { } orderId)
        {
            return ConnectorResult.Ignored($"the payment's metadata has no {stripe.OrderIdMetadata}");
        }

        if (ShopFields.Url(Payload.FirstOf(metadata.Text("retry_url"), hostedUrl, stripe.RetryUrlFor(orderId))) is not { } retry)
        {
            return ConnectorResult.Ignored("no retry URL: set the metadata retry_url or Recovery:Connectors:Stripe:RetryUrl");
        }

        // An invoice of a current API version carries no payment intent, so no decline: its reason is "other".
        var error = payment.Get("last_payment_error") ?? payment.Get("payment_intent").Get("last_payment_error");
        return await grains.GetGrain<IOrderGrain>(orderId).PaymentFailedAsync(Reason(error.Text("decline_code"), error.Text("code")), retry) switch
        {
            OrderEventOutcome.UnknownOrder => ConnectorResult.Ignored($"the engine has not seen order {orderId}"),
            OrderEventOutcome.Cancelled => ConnectorResult.Ignored($"order {orderId} was cancelled"),
            OrderEventOutcome.Repeated => ConnectorResult.Applied("the failure was known: nothing changed"),
            _ => ConnectorResult.Applied(),
        };
    }

    private async Task<ConnectorResult> SucceededAsync(JsonElement? metadata)
    {
        if (OrderId(metadata) is not { } orderId)
        {
            return ConnectorResult.Ignored($"the payment's metadata has no {options.CurrentValue.Stripe.OrderIdMetadata}");
        }

        return await grains.GetGrain<IOrderGrain>(orderId).PaymentSucceededAsync() switch
        {
            OrderEventOutcome.UnknownOrder => ConnectorResult.Ignored($"the engine has not seen order {orderId}"),
            OrderEventOutcome.Cancelled => ConnectorResult.Ignored($"order {orderId} was cancelled"),
            _ => ConnectorResult.Applied(),
        };
    }

    private string? OrderId(JsonElement? metadata) =>
        metadata.Text(options.CurrentValue.Stripe.OrderIdMetadata) is { } id && ShopFields.IsId(id) ? id : null;

    private static JsonElement? Metadata(JsonElement? owner) =>
        owner.Get("metadata") is { ValueKind: JsonValueKind.Object } metadata && metadata.EnumerateObject().Any() ? metadata : null;

    /// <summary>Stripe's decline code, else its error code, as the reminder's wording: expired, no funds, declined, or other.</summary>
    public static PaymentFailureReason Reason(string? declineCode, string? code) => (declineCode, code) switch
    {
        ("expired_card", _) or (_, "expired_card") => PaymentFailureReason.CardExpired,
        ("insufficient_funds", _) => PaymentFailureReason.InsufficientFunds,
        ({ }, _) or (_, "card_declined") => PaymentFailureReason.Declined,
        _ => PaymentFailureReason.Other,
    };
}
