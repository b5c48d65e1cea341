using System.Text.Json;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Carts;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Coupons;
using Orleans.Recovery.Feedback;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Links;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Orders;

/// <summary>Composes every message of an order's flows: payment reminders, notices, the review request and alerts.</summary>
public sealed class OrderMail(MailComposer composer, IOptionsMonitor<AlertOptions> alerts)
{
    public OutgoingMail Compose(OrderState state, FollowUp message, ResolvedStep step, int stepCount, CouponIssue? coupon, DateTimeOffset now)
    {
        var order = state.Order!;
        var recipientIsSupport = message.To == Recipient.Support;
        var locale = recipientIsSupport ? MailLocale.ForLanguage(alerts.CurrentValue.Language) : MailLocale.For(order.Customer);
        var money = MailComposer.MoneyFormatter(order.Currency, locale);
        IReadOnlyList<OrderMailLine> Lines(IEnumerable<CartLine> lines) =>
            [.. lines.Select(line => new OrderMailLine(line.Sku, line.Name, line.Quantity, money(line.UnitPrice), money(line.LineTotal)))];

        var model = new OrderMailModel
        {
            OrderId = order.OrderId,
            Items = Lines(order.Items),
            Subtotal = money(order.Subtotal),
            Shipping = money(order.Shipping),
            Tax = money(order.Tax),
            Total = money(order.Total),
            CouponCode = order.CouponCode,
            ExpectedShipDate = order.ExpectedShipDate is { } ship ? MailComposer.Date(ship, locale) : null,
            Guarantees = composer.Content.GuaranteesFor(locale.Language),
        };

        var links = composer.Links;
        model = message.Flow == FlowNames.IncompletePayment
            ? model with
            {
                Payment = new PaymentMailModel(
                    ReasonName(state.PaymentFailure!.Reason),
                    state.PaymentFailure.RetryUrl,
                    composer.Content.PaymentAlternativesFor(locale.Language),
                    message.StepNumber,
                    stepCount,
                    message.StepNumber == stepCount),
            }
            : message.Step switch
            {
                PostPurchaseSteps.Shipment when state.Shipments.Find(s => s.ShipmentId == message.About) is { } shipment => model with
                {
                    Shipment = new ShipmentMailModel(
                        shipment.Carrier,
                        shipment.TrackingNumber,
                        shipment.TrackingUrl,
                        shipment.EstimatedDelivery is { } eta ? MailComposer.Date(eta, locale) : null,
                        Lines(shipment.Items.IsDefaultOrEmpty ? order.Items : shipment.Items)),
                },
                PostPurchaseSteps.Delay when state.Delays.Find(d => d.Delay.DelayId == message.About) is { } delay => model with
                {
                    Delay = new DelayMailModel(
                        delay.Delay.Reason,
                        MailComposer.Date(delay.Delay.NewEstimatedShipDate, locale),
                        Lines(delay.Delay.Items.IsDefaultOrEmpty ? order.Items : delay.Delay.Items),
                        [.. delay.KnownOptionsOnly().Delay.Options.Select(option => new DelayOptionLink(
                            DelayOptions.Name(option),
                            $"{links.Link(LinkPurpose.DelayChoice, message.MessageId, now, locale.Language)}?choice={DelayOptions.Name(option)}"))]),
                },
                PostPurchaseSteps.Delivered => model with { DeliveredOn = state.DeliveredAt is { } at ? MailComposer.Date(at, locale) : null },
                PostPurchaseSteps.ReviewRequest => model with
                {
                    Review = new ReviewMailModel(
                        [.. Enumerable.Range(1, 5).Select(value => new RatingLink(value, $"{links.Link(LinkPurpose.Feedback, message.MessageId, now, locale.Language)}?rating={value}"))],
                        order.Customer.MarketingConsent == true ? null : links.Link(LinkPurpose.Newsletter, composer.Keys.Of(order.Customer), now, locale.Language)),
                },
                FeedbackAlertPlan.Email => model with
                {
                    Alert = new FeedbackAlertModel(state.Rating?.Value ?? 0, MailComposer.FullName(order.Customer), order.Customer.Email, null),
                },
                _ => model,
            };

        model = composer.Basics(model, order.Customer, locale, message.Marketing, now, coupon);
        if (recipientIsSupport)
        {
            var to = string.IsNullOrEmpty(alerts.CurrentValue.Email) ? composer.Sender.ReplyTo : alerts.CurrentValue.Email;
            return composer.Compose(message.MessageId, new MailParty(composer.Sender.FromName, to), locale, step.Template, step.Subject, model);
        }

        return composer.Compose(message.MessageId, order.Customer, locale, step.Template, step.Subject, model);
    }

    public static LowRatingAlert Alert(OrderState state, FollowUp message) => new(
        "feedback.low-rating",
        message.MessageId,
        state.Order!.OrderId,
        state.Rating!.Value,
        state.Order.Customer.Email,
        MailComposer.FullName(state.Order.Customer),
        state.Rating.At);

    /// <summary>The wire name: card_expired, insufficient_funds, declined, other.</summary>
    public static string ReasonName(PaymentFailureReason reason) => JsonNamingPolicy.SnakeCaseLower.ConvertName(reason.ToString());

}
