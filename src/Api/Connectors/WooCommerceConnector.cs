using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Orders;

namespace Orleans.Recovery.Api.Connectors;

/// <summary>
/// WooCommerce's webhooks (WooCommerce › Settings › Advanced › Webhooks, REST API v3 resources): <c>order.created</c>
/// and <c>order.updated</c> map by the order's status. A block checkout's <c>checkout-draft</c> order is a cart keyed by
/// the order's id, so the order it becomes stops its reminders. WooCommerce does not retry a failed delivery and disables
/// a webhook after a few failures in a row: anything it sends that the engine cannot map is answered 200.
/// </summary>
public sealed class WooCommerceConnector(IOptionsMonitor<ConnectorOptions> options, IGrainFactory grains) : IConnector
{
    public string Provider => "woocommerce";

    public bool Enabled => options.CurrentValue.WooCommerce.Enabled;

    public Delivery Verify(HttpRequest request, byte[] body, DateTimeOffset now)
    {
        var topic = ShopFields.Line(request.Headers["X-WC-Webhook-Topic"].ToString(), 100) is { Length: > 0 } named ? named : "unknown";
        var signature = request.Headers["X-WC-Webhook-Signature"].ToString();
        if (signature.Length == 0 && IsPing(request, body))
        {
            // Sent once when the webhook is saved, unsigned; WooCommerce keeps the webhook only if it gets 200.
            return new Delivery("ping", null) { IsPing = true };
        }

        if (!ShopFields.IsBase64Hmac(signature, options.CurrentValue.WooCommerce.Secret!, body))
        {
            return Delivery.Refused(topic, signature.Length == 0 ? "no X-WC-Webhook-Signature signature" : "the X-WC-Webhook-Signature signature does not match");
        }

        var id = request.Headers["X-WC-Webhook-Delivery-ID"].ToString();
        return new Delivery(topic, id.Length is > 0 and <= 200 ? id : null);
    }

    public async Task<ConnectorResult> ApplyAsync(Delivery delivery, JsonElement order, HttpRequest request)
    {
        if (delivery.Topic is not ("order.created" or "order.updated"))
        {
            return ConnectorResult.Ignored($"the topic {delivery.Topic} is not one the engine maps");
        }

        if (order.Text("id") is not { } orderId || !ShopFields.IsId(orderId))
        {
            return ConnectorResult.Ignored("the order has no id");
        }

        var status = order.Text("status");
        var grain = grains.GetGrain<IOrderGrain>(orderId);
        switch (status)
        {
            case "checkout-draft":
                return await DraftAsync(orderId, order, request);
            case "pending" or "on-hold":
                return await PlaceAsync(grain, orderId, order, PaymentStatus.Pending);
            case "processing" or "completed":
                var placed = await PlaceAsync(grain, orderId, order, PaymentStatus.Paid);
                if (placed.Outcome == Hosting.Connectors.DeliveryOutcomes.Applied)
                {
                    // Known before as pending: now it is paid.
                    await grain.PaymentSucceededAsync();
                }

                return placed;
            case "failed":
                if (ShopFields.Url(order.Text("payment_url")) is not { } retry)
                {
                    return ConnectorResult.Ignored("the failed order has no payment_url to pay again at");
                }

                var failed = await PlaceAsync(grain, orderId, order, PaymentStatus.Failed);
                if (failed.Outcome != Hosting.Connectors.DeliveryOutcomes.Applied)
                {
                    return failed;
                }

                return await grain.PaymentFailedAsync(PaymentFailureReason.Other, retry) switch
                {
                    OrderEventOutcome.Cancelled => ConnectorResult.Ignored($"order {orderId} was cancelled"),
                    OrderEventOutcome.Repeated => ConnectorResult.Applied("the failure was known: nothing changed"),
                    _ => ConnectorResult.Applied(),
                };
            case "cancelled":
                return await grain.CancelAsync() == OrderEventOutcome.UnknownOrder
                    ? ConnectorResult.Ignored($"the engine has not seen order {orderId}")
                    : ConnectorResult.Applied();
            default:
                return ConnectorResult.Ignored($"the order status {status ?? "(none)"} is not one the engine maps");
        }
    }

    /// <summary>A block checkout's draft: the shopper's cart, once they typed their billing email.</summary>
    private async Task<ConnectorResult> DraftAsync(string orderId, JsonElement order, HttpRequest request)
    {
        if (Customer(order) is not { } customer)
        {
            return ConnectorResult.Ignored("the draft has no valid billing email yet");
        }

        if (ShopFields.Currency(order.Text("currency")) is not { } currency)
        {
            return ConnectorResult.Ignored("currency is not a known ISO 4217 code");
        }

        // The shop's checkout page, where the shopper's session finds the draft again.
        var source = request.Headers["X-WC-Webhook-Source"].ToString();
        if (ShopFields.Url(source.Length > 0 ? $"{source.TrimEnd('/')}/checkout/" : null) is not { } restore)
        {
            return ConnectorResult.Ignored("no X-WC-Webhook-Source to send the shopper back to");
        }

        var (lines, error) = Lines(order);
        if (error is not null)
        {
            return ConnectorResult.Ignored(error);
        }

        await grains.GetGrain<ICartGrain>(orderId).UpdateAsync(new CartSnapshot(customer, currency, [.. lines], order.Decimal("shipping_total"), restore));
        return ConnectorResult.Applied(lines.Count == 0 ? "the cart is empty" : null);
    }

    private static async Task<ConnectorResult> PlaceAsync(IOrderGrain grain, string orderId, JsonElement order, PaymentStatus payment)
    {
        if (Customer(order) is not { } customer)
        {
            return ConnectorResult.Ignored("the order has no valid billing email");
        }

        if (ShopFields.Currency(order.Text("currency")) is not { } currency)
        {
            return ConnectorResult.Ignored("currency is not a known ISO 4217 code");
        }

        var (lines, error) = Lines(order);
        if (error is not null || lines.Count == 0)
        {
            return ConnectorResult.Ignored(error ?? "the order has no line items");
        }

        var subtotal = order.Items("line_items").Select(item => item.Decimal("subtotal")).OfType<decimal>().Sum();
        var shipping = order.Decimal("shipping_total") ?? 0m;
        var tax = order.Decimal("total_tax") ?? 0m;
        var coupon = order.Items("coupon_lines").Select(line => line.Text("code")).FirstOrDefault(code => code is not null);

        // The draft this order was, if it was one, is its cart: its reminders stop.
        var first = await grain.PlaceAsync(new OrderPlaced(
            orderId, orderId, customer, currency, [.. lines], subtotal, shipping, tax, order.Decimal("total") ?? subtotal + shipping + tax, payment,
            CouponCode: coupon is null ? null : ShopFields.Line(coupon, 100)));
        return ConnectorResult.Applied(first ? null : "the order was known");
    }

    private static CustomerProfile? Customer(JsonElement order)
    {
        var billing = order.Get("billing");
        if (ShopFields.Email(billing.Text("email")) is not { } email)
        {
            return null;
        }

        var country = billing.Text("country");
        return new CustomerProfile(
            email,
            ShopFields.Line(billing.Text("first_name"), 100),
            billing.Text("last_name") is { } last ? ShopFields.Line(last, 100) : null,
            order.Text("customer_id") is { } id && id != "0" ? id : null,
            Country: country is { Length: 2 } ? country.ToUpperInvariant() : null);
    }

    private static (List<CartLine> Lines, string? Error) Lines(JsonElement order) => ShopFields.Lines(order, "line_items", item =>
    {
        var sku = Payload.FirstOf(
            item.Text("sku"),
            item.Text("variation_id") is { } variation && variation != "0" ? $"variation-{variation}" : null,
            item.Text("product_id") is { } product ? $"product-{product}" : null);
        return (sku, item.Text("name"), item.Decimal("quantity"), item.Decimal("price"), item.Get("image").Text("src"), null);
    });

    private static bool IsPing(HttpRequest request, byte[] body) =>
        request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true
        && body.Length < 100 && Encoding.ASCII.GetString(body).StartsWith("webhook_id=", StringComparison.Ordinal);
}
