using Orleans.Recovery.Coupons;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Links;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.Carts;

/// <summary>What the abandoned-cart templates can use.</summary>
public sealed record CartReminderModel : MailModel
{
    public required int Step { get; init; }
    public required int StepCount { get; init; }
    public required bool IsLastStep { get; init; }
    public required IReadOnlyList<CartReminderLine> Items { get; init; }
    public required string Subtotal { get; init; }
    public string? Shipping { get; init; }
    public required string Total { get; init; }
    public required string RestoreUrl { get; init; }
    public required IReadOnlyList<FaqEntry> Faq { get; init; }
}

public sealed record CartReminderLine(string Name, int Quantity, string UnitPrice, string LineTotal, string? ImageUrl, string? ProductUrl);

/// <summary>Composes the "Did something go wrong?" email for one step of a cart's flow.</summary>
public sealed class CartReminderMail(MailComposer composer)
{
    public OutgoingMail Compose(CartSnapshot cart, int stepIndex, int stepCount, ResolvedStep step, CouponIssue? coupon, string messageId, DateTimeOffset now)
    {
        var locale = MailLocale.For(cart.Customer);
        var money = MailComposer.MoneyFormatter(cart.Currency, locale);
        var model = composer.Basics(new CartReminderModel
        {
            Step = stepIndex + 1,
            StepCount = stepCount,
            IsLastStep = stepIndex + 1 == stepCount,
            Items = [.. cart.Items.Select(line => new CartReminderLine(line.Name, line.Quantity, money(line.UnitPrice), money(line.LineTotal), line.ImageUrl, line.ProductUrl))],
            Subtotal = money(cart.Subtotal),
            Shipping = cart.ShippingCost is { } shipping ? money(shipping) : null,
            Total = money(cart.Total),
            RestoreUrl = composer.Links.Link(LinkPurpose.Recover, RestorePayload.Of(composer.Keys.Of(cart.Customer), messageId), now, locale.Language),
            Faq = composer.Content.FaqFor(locale.Language),
        }, cart.Customer, locale, marketing: true, now, coupon, cartMessageId: messageId);

        return composer.Compose(messageId, cart.Customer, locale, step.Template, step.Subject, model);
    }
}
