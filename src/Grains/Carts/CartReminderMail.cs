using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Links;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Money;

namespace Orleans.Recovery.Carts;

/// <summary>What the abandoned-cart templates can use. Money is already formatted for the reader.</summary>
public sealed record CartReminderModel(
    string FirstName,
    string ShopName,
    int Step,
    int StepCount,
    bool IsLastStep,
    IReadOnlyList<CartReminderLine> Items,
    string Subtotal,
    string? Shipping,
    string Total,
    string RestoreUrl,
    string UnsubscribeUrl,
    string ReplyTo,
    string SupportPhone,
    IReadOnlyList<FaqEntry> Faq);

public sealed record CartReminderLine(string Name, int Quantity, string UnitPrice, string LineTotal, string? ImageUrl, string? ProductUrl);

/// <summary>Composes the "Did something go wrong?" email for one step of a cart's flow.</summary>
public sealed class CartReminderMail(
    MailTemplates templates,
    LinkTokens links,
    IOptionsMonitor<SenderOptions> sender,
    IOptionsMonitor<ContentOptions> content,
    IOptionsMonitor<FlowsOptions> flows)
{
    public const string TemplateName = "cart-reminder";

    public OutgoingMail Compose(CartSnapshot cart, int stepIndex, string messageId, DateTimeOffset now)
    {
        var from = sender.CurrentValue;
        var locale = MailLocale.For(cart.Customer);
        string Money(decimal amount) => Currencies.Format(amount, cart.Currency, locale.Culture);

        var unsubscribeUrl = links.Link(LinkPurpose.Unsubscribe, cart.Customer.Key, now);
        var stepCount = flows.CurrentValue.CartAbandonment.Steps.Count;
        var model = new CartReminderModel(
            cart.Customer.FirstName,
            from.FromName,
            stepIndex + 1,
            stepCount,
            stepIndex + 1 == stepCount,
            [.. cart.Items.Select(line => new CartReminderLine(line.Name, line.Quantity, Money(line.UnitPrice), Money(line.LineTotal), line.ImageUrl, line.ProductUrl))],
            Money(cart.Subtotal),
            cart.ShippingCost is { } shipping ? Money(shipping) : null,
            Money(cart.Total),
            links.Link(LinkPurpose.Recover, messageId, now),
            unsubscribeUrl,
            from.ReplyTo,
            from.SupportPhone,
            content.CurrentValue.FaqFor(locale.Language));

        var rendered = templates.Render(locale.Language, TemplateName, model);
        return new OutgoingMail(
            messageId,
            new MailParty(from.FromName, from.FromAddress),
            new MailParty(FullName(cart), cart.Customer.Email),
            new MailParty(from.FromName, from.ReplyTo),
            rendered.Subject,
            rendered.Html,
            rendered.Text,
            [
                // RFC 8058: a recovery email is marketing, so mail clients may unsubscribe in one click.
                new MailHeader("List-Unsubscribe", $"<{unsubscribeUrl}>"),
                new MailHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ]);
    }

    private static string FullName(CartSnapshot cart) =>
        string.IsNullOrWhiteSpace(cart.Customer.LastName) ? cart.Customer.FirstName : $"{cart.Customer.FirstName} {cart.Customer.LastName}";
}
