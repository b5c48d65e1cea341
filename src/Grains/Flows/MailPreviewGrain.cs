using System.Collections.Immutable;
using Orleans.Concurrency;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Coupons;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Orders;

using Orleans.Recovery.FollowUps;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Reminders;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Flows;

/// <summary>What the operator wants to see: a step of a flow, in a locale, for a sample or a real cart or order.</summary>
[GenerateSerializer, Immutable, Alias("preview-request")]
public sealed record PreviewRequest(
    [property: Id(0)] string Flow,
    [property: Id(1)] int Step,
    [property: Id(2)] string Locale,
    [property: Id(3)] string? CartId = null,
    [property: Id(4)] string? OrderId = null,
    [property: Id(5)] string? Variant = null);

/// <summary>The rendered message, or why there is none; <see cref="Field"/> names the request field at fault.</summary>
[GenerateSerializer, Immutable, Alias("preview-result")]
public sealed record PreviewResult(
    [property: Id(0)] RenderedMail? Mail,
    [property: Id(1)] string? Field = null,
    [property: Id(2)] string? Problem = null,
    [property: Id(3)] bool NotFound = false);

/// <summary>Renders previews on a silo, where the templates the operator edits live.</summary>
public interface IMailPreviewGrain : IGrainWithIntegerKey
{
    Task<PreviewResult> PreviewAsync(PreviewRequest request);
}

/// <summary>A stateless worker: previews send nothing, store nothing and claim no coupon.</summary>
[StatelessWorker]
public sealed class MailPreviewGrain(CartReminderMail cartMail, OrderMail orderMail, CouponCodes couponCodes, [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock) : Grain, IMailPreviewGrain
{
    public async Task<PreviewResult> PreviewAsync(PreviewRequest request)
    {
        try
        {
            return await RenderAsync(request);
        }
        catch (TemplateLimitException exception)
        {
            // The operator sees why the step's template would fail every message, as a send would skip them.
            return new PreviewResult(null, "step", $"Its template cannot be rendered: {exception.Message}");
        }
    }

    private async Task<PreviewResult> RenderAsync(PreviewRequest request)
    {
        var flow = (await GrainFactory.GetGrain<IFlowGrain>(request.Flow).GetAsync()).Definition;
        if (request.Step < 1 || request.Step > flow.Steps.Count)
        {
            return new PreviewResult(null, "step", $"The {request.Flow} flow has steps 1 to {flow.Steps.Count}.");
        }

        var step = flow.Steps[request.Step - 1];
        if (request.Variant is { } variant && !step.Variants.Exists(v => v.Name == variant))
        {
            return new PreviewResult(null, "variant", $"Step {request.Step} has no variant '{variant}'.");
        }

        var resolved = step.Resolve(request.Variant);
        var now = clock.GetUtcNow();
        CouponIssue? Coupon(string messageId) => resolved.DiscountPercent is { } percent
            ? new CouponIssue(couponCodes.For(messageId, percent), percent, now, now + resolved.CouponValidity, messageId, request.Flow, "preview")
            : null;

        if (request.Flow == FlowNames.CartAbandonment)
        {
            var cart = request.CartId is { } cartId ? (await GrainFactory.GetGrain<ICartGrain>(cartId).GetViewAsync())?.Snapshot : Samples.Cart;
            if (cart is null)
            {
                return new PreviewResult(null, "cartId", $"No cart '{request.CartId}' is known.", NotFound: true);
            }

            cart = cart with { Customer = cart.Customer with { Locale = request.Locale, Country = null } };
            // Never the real message's id: its links would be live, and a click in a preview would count as the shopper's.
            var messageId = AbandonedCartPlan.MessageId(PreviewOwner, request.Step - 1);
            var mail = cartMail.Compose(cart, request.Step - 1, flow.Steps.Count, resolved, Coupon(messageId), messageId, now);
            return new PreviewResult(new RenderedMail(mail.Subject, mail.Html, mail.Text));
        }

        OrderState state;
        if (request.OrderId is { } orderId)
        {
            var view = await GrainFactory.GetGrain<IOrderGrain>(orderId).GetViewAsync();
            if (view is null)
            {
                return new PreviewResult(null, "orderId", $"No order '{orderId}' is known.", NotFound: true);
            }

            state = Samples.Fill(new OrderState
            {
                Order = view.Order,
                PaymentFailure = view.PaymentFailure,
                Shipments = [.. view.Shipments],
                Delays = [.. view.Delays],
                DeliveredAt = view.DeliveredAt,
                Rating = view.Rating,
            }, now);
        }
        else
        {
            state = Samples.Fill(new OrderState { Order = Samples.Order(now) }, now);
        }

        state.Order = state.Order! with { Customer = state.Order.Customer with { Locale = request.Locale, Country = null } };
        var pending = new FollowUp
        {
            MessageId = OrderMessages.Id(PreviewOwner, request.Flow, request.Flow == FlowNames.IncompletePayment ? request.Step.ToString(System.Globalization.CultureInfo.InvariantCulture) : step.Name),
            Flow = request.Flow,
            Step = step.Name,
            StepNumber = request.Step,
            Marketing = request.Flow == FlowNames.IncompletePayment || PostPurchaseSteps.IsMarketing(step.Name),
            About = step.Name == PostPurchaseSteps.Shipment ? state.Shipments[^1].ShipmentId : step.Name == PostPurchaseSteps.Delay ? state.Delays[^1].Delay.DelayId : null,
        };
        var rendered = orderMail.Compose(state, pending, resolved, flow.Steps.Count, pending.Marketing ? Coupon(pending.MessageId) : null, now);
        return new PreviewResult(new RenderedMail(rendered.Subject, rendered.Html, rendered.Text));
    }

    /// <summary>The owner named in a preview's message ids, so its links lead to no real cart or order.</summary>
    private const string PreviewOwner = "preview";

    /// <summary>Made-up data for previews without a real cart or order; what is missing from a real order is filled in.</summary>
    private static class Samples
    {
        private static readonly CustomerProfile Customer = new("ana@example.com", "Ana", "Example");

        private static readonly ImmutableArray<CartLine> Items =
        [
            new("BEANS-1KG", "Espresso beans 1 kg", 2, 18.90m),
            new("MUG-BLUE", "Blue mug", 1, 7.08m),
        ];

        public static readonly CartSnapshot Cart = new(Customer, "EUR", Items, 4.90m, "https://shop.example/cart/restore");

        /// <summary>A paid sample order expected to ship two days after <paramref name="now"/>, on the engine's clock.</summary>
        public static OrderPlaced Order(DateTimeOffset now) => new(
            "SAMPLE-1001", null, Customer, "EUR", Items, 44.88m, 4.90m, 0m, 49.78m, PaymentStatus.Paid, DateOnly.FromDateTime(now.UtcDateTime.AddDays(2)));

        public static OrderState Fill(OrderState state, DateTimeOffset now)
        {
            state.PaymentFailure ??= new PaymentFailure(PaymentFailureReason.CardExpired, "https://shop.example/pay/retry", now);
            if (state.Shipments.Count == 0)
            {
                state.Shipments.Add(new Shipment("sample", "DHL", "00340434161234567890", "https://tracking.example/00340434161234567890", [], DateOnly.FromDateTime(now.UtcDateTime.AddDays(3))));
            }

            if (state.Delays.Count == 0)
            {
                state.Delays.Add(new DelayRecord(new Delay("sample", "supplier delay", [Items[0]], DateOnly.FromDateTime(now.UtcDateTime.AddDays(10)), [DelayOption.Wait, DelayOption.Cancel, DelayOption.Partial, DelayOption.Substitute]), now));
            }

            state.DeliveredAt ??= now;
            state.Rating ??= new Rating(2, now);
            return state;
        }
    }
}
