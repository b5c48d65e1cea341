using Microsoft.Extensions.Options;
using Orleans.Recovery.Coupons;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Links;
using Orleans.Recovery.Money;

namespace Orleans.Recovery.Mail;

/// <summary>What every template can use, whatever the flow. Money and dates are already formatted for the reader.</summary>
public record MailModel
{
    public string FirstName { get; init; } = "";
    public string ShopName { get; init; } = "";
    public string ReplyTo { get; init; } = "";
    public string SupportPhone { get; init; } = "";
    public string Language { get; init; } = "";

    /// <summary>Set on marketing mail only: transactional mail carries no marketing unsubscribe.</summary>
    public string? UnsubscribeUrl { get; init; }

    public CouponModel? Coupon { get; init; }

    /// <summary>The person who signs, when one is configured; otherwise the shop signs.</summary>
    public SignatureModel? Signature { get; init; }

    /// <summary>The shop's name, logo, accent colour and footer, from <c>Recovery:Brand</c>.</summary>
    public BrandModel? Brand { get; init; }
}

/// <summary>Who signs the mail, as the templates show it.</summary>
public sealed record SignatureModel(string Name, string? Role, string? PhotoUrl);

/// <summary>A coupon as the email shows it.</summary>
public sealed record CouponModel(string Code, string PercentOff, string ExpiresOn);

/// <summary>
/// Turns a flow's model into a message: picks the reader's language, renders the template, and adds the RFC 8058
/// unsubscribe headers to marketing mail.
/// </summary>
public sealed class MailComposer(
    MailTemplates templates,
    LinkTokens links,
    IOptionsMonitor<SenderOptions> sender,
    IOptionsMonitor<ContentOptions> content,
    IOptionsMonitor<BrandOptions> brand,
    CustomerKeys keys)
{
    public LinkTokens Links => links;

    /// <summary>The shopper's key, as links name them.</summary>
    public CustomerKeys Keys => keys;

    public ContentOptions Content => content.CurrentValue;

    public SenderOptions Sender => sender.CurrentValue;

    public BrandModel Brand => brand.CurrentValue.Model(Sender);

    /// <summary>
    /// The fields every template has, for <paramref name="customer"/>; marketing mail gets an unsubscribe link, which
    /// for a cart's reminder (<paramref name="cartMessageId"/>) also offers to stop reminders about that cart only.
    /// </summary>
    public T Basics<T>(T model, CustomerProfile customer, MailLocale locale, bool marketing, DateTimeOffset now, CouponIssue? coupon = null, string? cartMessageId = null)
        where T : MailModel
    {
        var shop = Brand;
        return model with
        {
            FirstName = customer.FirstName,
            ShopName = shop.Name,
            Brand = shop,
            ReplyTo = Sender.Signature is { IsSet: true, ReplyTo: { Length: > 0 } personal } ? personal : Sender.ReplyTo,
            Signature = Sender.Signature is { IsSet: true } signature
                ? new SignatureModel(signature.Name!.Trim(), Blank(signature.Role), Blank(signature.PhotoUrl))
                : null,
            SupportPhone = Sender.SupportPhone,
            Language = locale.Language,
            UnsubscribeUrl = marketing ? links.Link(LinkPurpose.Unsubscribe, UnsubscribePayload.Of(keys.Of(customer), cartMessageId), now, locale.Language) : null,
            Coupon = coupon is null ? null : new CouponModel(
                coupon.Code,
                coupon.PercentOff.ToString("0.##", locale.Culture) + (locale.Language == "de" ? " %" : "%"),
                coupon.ExpiresAt.ToString("D", locale.Culture)),
        };
    }

    public static Func<decimal, string> MoneyFormatter(string currency, MailLocale locale) => amount => Currencies.Format(amount, currency, locale.Culture);

    public static string Date(DateOnly date, MailLocale locale) => date.ToString("D", locale.Culture);

    public static string Date(DateTimeOffset date, MailLocale locale) => date.ToString("D", locale.Culture);

    /// <summary>Renders <paramref name="template"/> (or a variant's subject) and addresses the result to <paramref name="customer"/>.</summary>
    public OutgoingMail Compose(string messageId, CustomerProfile customer, MailLocale locale, string template, string? subject, MailModel model) =>
        Compose(messageId, new MailParty(FullName(customer), customer.Email), locale, template, subject, model);

    public OutgoingMail Compose(string messageId, MailParty to, MailLocale locale, string template, string? subject, MailModel model)
    {
        var from = Sender;
        var rendered = templates.Render(locale.Language, template, model, subject);
        var signature = from.Signature;
        var person = signature.IsSet ? signature.Name!.Trim() : null;
        return new OutgoingMail(
            messageId,
            new MailParty(person is not null && signature.InFrom ? $"{person} {(locale.Language == "de" ? "von" : "at")} {from.FromName}" : from.FromName, from.FromAddress),
            to,
            person is not null && !string.IsNullOrWhiteSpace(signature.ReplyTo) ? new MailParty(person, signature.ReplyTo) : new MailParty(from.FromName, from.ReplyTo),
            rendered.Subject,
            rendered.Html,
            rendered.Text,
            model.UnsubscribeUrl is { } unsubscribe
                ?
                [
                    // RFC 8058: marketing mail may be unsubscribed from in one click by the mail client.
                    new MailHeader("List-Unsubscribe", $"<{unsubscribe}>"),
                    new MailHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                ]
                : []);
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    public static string FullName(CustomerProfile customer) =>
        string.IsNullOrWhiteSpace(customer.LastName) ? customer.FirstName : $"{customer.FirstName} {customer.LastName}";
}
