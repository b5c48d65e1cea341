using System.Text.Json;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Orders;

namespace Orleans.Recovery.Api.Connectors;

/// <summary>
/// Shopify's webhooks, from the shop admin (Settings › Notifications › Webhooks) or an app. A checkout is a cart keyed
/// by its <c>token</c>, restored by its <c>abandoned_checkout_url</c>; an order is keyed by its <c>id</c> and linked to
/// its checkout by <c>checkout_token</c>. Shopify removed checkout <c>id</c> (2026-04) and the customer's
/// <c>email_marketing_consent</c> from webhooks (2025-01): neither is needed, and the older shapes still map.
/// </summary>
public sealed class ShopifyConnector(IOptionsMonitor<ConnectorOptions> options, IGrainFactory grains) : IConnector
{
    public const string Consent = "Accepted email marketing at the Shopify checkout (buyer_accepts_marketing)";

    public string Provider => "shopify";

    public bool Enabled => options.CurrentValue.Shopify.Enabled;

    public Delivery Verify(HttpRequest request, byte[] body, DateTimeOffset now)
    {
        var topic = ShopFields.Line(request.Headers["X-Shopify-Topic"].ToString(), 100) is { Length: > 0 } named ? named : "unknown";
        if (!ShopFields.IsBase64Hmac(request.Headers["X-Shopify-Hmac-Sha256"].ToString(), options.CurrentValue.Shopify.Secret!, body))
        {
            return Delivery.Refused(topic, request.Headers.ContainsKey("X-Shopify-Hmac-Sha256") ? "the X-Shopify-Hmac-Sha256 signature does not match" : "no X-Shopify-Hmac-Sha256 signature");
        }

        var id = request.Headers["X-Shopify-Webhook-Id"].ToString();
        return new Delivery(topic, id.Length is > 0 and <= 200 ? id : null);
    }

    public async Task<ConnectorResult> ApplyAsync(Delivery delivery, JsonElement payload, HttpRequest request) => delivery.Topic switch
    {
        "checkouts/create" or "checkouts/update" => await CheckoutAsync(payload),
        "orders/create" => await OrderAsync(payload, paid: false),
        "orders/paid" => await OrderAsync(payload, paid: true),
        "orders/cancelled" => await CancelledAsync(payload),
        "fulfillments/create" => await FulfillmentAsync(payload),
        _ => ConnectorResult.Ignored($"the topic {delivery.Topic} is not one the engine maps"),
    };

    private async Task<ConnectorResult> CheckoutAsync(JsonElement checkout)
    {
        if (checkout.Text("token") is not { } token || !ShopFields.IsId(token))
        {
            return ConnectorResult.Ignored("the checkout has no usable token");
        }

        var cart = grains.GetGrain<ICartGrain>(token);
        if (checkout.Text("completed_at") is not null)
        {
            // Completed: an order exists, whether or not its own webhook has come yet.
            await cart.MarkPurchasedAsync(checkout.Text("order_id"));
            return ConnectorResult.Applied("completed: its reminders stopped");
        }

        if (Customer(checkout) is not { } customer)
        {
            return ConnectorResult.Ignored("the checkout has no valid email address yet");
        }

        if (ShopFields.Currency(Payload.FirstOf(checkout.Text("presentment_currency"), checkout.Text("currency"))) is not { } currency)
        {
            return ConnectorResult.Ignored("currency is not a known ISO 4217 code");
        }

        if (ShopFields.Url(checkout.Text("abandoned_checkout_url")) is not { } restore)
        {
            return ConnectorResult.Ignored("abandoned_checkout_url is not an http or https URL");
        }

        var (lines, error) = Lines(checkout);
        if (error is not null)
        {
            return ConnectorResult.Ignored(error);
        }

        await cart.UpdateAsync(new CartSnapshot(customer, currency, [.. lines], Shipping(checkout), restore));
        return ConnectorResult.Applied(lines.Count == 0 ? "the cart is empty" : null);
    }

    private async Task<ConnectorResult> OrderAsync(JsonElement order, bool paid)
    {
        if (order.Text("id") is not { } orderId || !ShopFields.IsId(orderId))
        {
            return ConnectorResult.Ignored("the order has no id");
        }

        var grain = grains.GetGrain<IOrderGrain>(orderId);
        if (paid && await grain.PaymentSucceededAsync() is OrderEventOutcome.Recorded or OrderEventOutcome.Repeated or OrderEventOutcome.Cancelled)
        {
            return ConnectorResult.Applied();
        }

        // orders/paid carries the whole order: one that comes before orders/create is placed from it, as paid.
        if (Customer(order) is not { } customer)
        {
            return ConnectorResult.Ignored("the order has no valid email address");
        }

        if (ShopFields.Currency(Payload.FirstOf(order.Text("presentment_currency"), order.Text("currency"))) is not { } currency)
        {
            return ConnectorResult.Ignored("currency is not a known ISO 4217 code");
        }

        var (lines, error) = Lines(order);
        if (error is not null || lines.Count == 0)
        {
            return ConnectorResult.Ignored(error ?? "the order has no line items");
        }

        var status = paid ? PaymentStatus.Paid : Payment(order.Text("financial_status"));
        var cartId = Payload.FirstOf(order.Text("checkout_token"), order.Text("cart_token"));
        var subtotal = order.Decimal("subtotal_price") ?? lines.Sum(line => line.LineTotal);
        var shipping = Shipping(order) ?? 0m;
        var tax = order.Decimal("total_tax") ?? 0m;
        var coupon = order.Items("discount_codes").Select(code => code.Text("code")).FirstOrDefault(code => code is not null);
        var placed = new OrderPlaced(
            orderId,
            ShopFields.IsId(cartId) ? cartId : null,
            customer,
            currency,
            [.. lines],
            subtotal,
            shipping,
            tax,
            order.Decimal("total_price") ?? subtotal + shipping + tax,
            status,
            CouponCode: coupon is null ? null : ShopFields.Line(coupon, 100));
        var first = await grain.PlaceAsync(placed);
        if (order.Text("cancelled_at") is not null)
        {
            await grain.CancelAsync();
            return ConnectorResult.Applied("the order came cancelled");
        }

        return ConnectorResult.Applied(first ? null : "the order was known: nothing changed");
    }

    private async Task<ConnectorResult> CancelledAsync(JsonElement order)
    {
        if (order.Text("id") is not { } orderId || !ShopFields.IsId(orderId))
        {
            return ConnectorResult.Ignored("the order has no id");
        }

        return await grains.GetGrain<IOrderGrain>(orderId).CancelAsync() switch
        {
            OrderEventOutcome.UnknownOrder => ConnectorResult.Ignored($"the engine has not seen order {orderId}"),
            _ => ConnectorResult.Applied(),
        };
    }

    private async Task<ConnectorResult> FulfillmentAsync(JsonElement fulfillment)
    {
        if (fulfillment.Text("order_id") is not { } orderId || !ShopFields.IsId(orderId) || fulfillment.Text("id") is not { } shipmentId || !ShopFields.IsId(shipmentId))
        {
            return ConnectorResult.Ignored("the fulfillment names no order or has no id");
        }

        var number = Payload.FirstOf(fulfillment.Text("tracking_number"), FirstString(fulfillment, "tracking_numbers"));
        var url = ShopFields.Url(Payload.FirstOf(fulfillment.Text("tracking_url"), FirstString(fulfillment, "tracking_urls")));
        if (string.IsNullOrWhiteSpace(number) || url is null)
        {
            return ConnectorResult.Ignored("the fulfillment has no tracking number or tracking URL to send");
        }

        var (lines, error) = Lines(fulfillment);
        if (error is not null)
        {
            return ConnectorResult.Ignored(error);
        }

        var shipment = new Shipment(shipmentId, ShopFields.Line(fulfillment.Text("tracking_company") ?? "Carrier", 100), ShopFields.Line(number, 100), url, [.. lines], null);
        return await grains.GetGrain<IOrderGrain>(orderId).AddShipmentAsync(shipment) switch
        {
            OrderEventOutcome.UnknownOrder => ConnectorResult.Ignored($"the engine has not seen order {orderId}"),
            OrderEventOutcome.Cancelled => ConnectorResult.Ignored($"order {orderId} was cancelled"),
            OrderEventOutcome.Repeated => ConnectorResult.Applied("the shipment was known: nothing sent again"),
            _ => ConnectorResult.Applied(),
        };
    }

    /// <summary>The shopper: the checkout's or order's email, first name from the customer or an address, and consent.</summary>
    private static CustomerProfile? Customer(JsonElement payload)
    {
        var customer = payload.Get("customer");
        if (ShopFields.Email(Payload.FirstOf(payload.Text("email"), payload.Text("contact_email"), customer.Text("email"))) is not { } email)
        {
            return null;
        }

        var firstName = Payload.FirstOf(customer.Text("first_name"), payload.Get("billing_address").Text("first_name"), payload.Get("shipping_address").Text("first_name"));
        var lastName = Payload.FirstOf(customer.Text("last_name"), payload.Get("billing_address").Text("last_name"), payload.Get("shipping_address").Text("last_name"));
        var locale = ShopFields.Locale(payload.Text("customer_locale")?.Replace('_', '-'));
        var country = Payload.FirstOf(payload.Get("billing_address").Text("country_code"), payload.Get("shipping_address").Text("country_code"));

        // buyer_accepts_marketing is the checkout's box; the customer's email_marketing_consent came in payloads before 2025-01.
        bool? consent = payload.Bool("buyer_accepts_marketing") switch
        {
            true => true,
            _ when customer.Get("email_marketing_consent").Text("state") == "subscribed" => true,
            var box => box,
        };
        return new CustomerProfile(
            email,
            ShopFields.Line(firstName, 100),
            lastName is null ? null : ShopFields.Line(lastName, 100),
            customer.Text("id"),
            locale,
            country is { Length: 2 } ? country.ToUpperInvariant() : null,
            MarketingConsent: consent,
            ConsentText: consent == true ? Consent : null,
            ConsentSource: ConsentSources.Shopify);
    }

    private static (List<CartLine> Lines, string? Error) Lines(JsonElement payload) => ShopFields.Lines(payload, "line_items", item =>
    {
        var title = item.Text("title");
        var variant = item.Text("variant_title");
        var name = variant is null || variant == "Default Title" ? title : $"{title} – {variant}";
        var sku = Payload.FirstOf(item.Text("sku"), item.Text("variant_id") is { } v ? $"variant-{v}" : null, item.Text("product_id") is { } p ? $"product-{p}" : null, item.Text("key"));
        return (sku, name, item.Decimal("quantity"), item.Decimal("price"), null, null);
    });

    private static decimal? Shipping(JsonElement payload)
    {
        var lines = payload.Items("shipping_lines").Select(line => line.Decimal("price")).OfType<decimal>().ToList();
        return lines.Count > 0 ? lines.Sum() : null;
    }

    private static string? FirstString(JsonElement payload, string field) =>
        payload.Get(field) is { ValueKind: JsonValueKind.Array } array
            ? array.EnumerateArray().Where(value => value.ValueKind is JsonValueKind.String or JsonValueKind.Number).Select(value => value.ValueKind == JsonValueKind.String ? Payload.StringOf(value) : value.GetRawText()).FirstOrDefault(value => !string.IsNullOrWhiteSpace(value))
            : null;

    /// <summary>Paid or authorized counts as paid; voided or expired as failed; anything else (pending, partially paid) as pending.</summary>
    private static PaymentStatus Payment(string? financialStatus) => financialStatus switch
    {
        "paid" or "authorized" or "partially_refunded" or "refunded" => PaymentStatus.Paid,
        "voided" or "expired" => PaymentStatus.Failed,
        _ => PaymentStatus.Pending,
    };
}
