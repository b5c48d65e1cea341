using System.Net;

namespace Orleans.Recovery.Api.Tests.Mail;

/// <summary>
/// A person behind the mail (issue 15's first step): a configured signature signs every email, in both parts, the
/// From line can carry the person at the shop, and a reply reaches them. Checked at a real SMTP server.
/// </summary>
[Trait("Category", "Api")]
public sealed class SignatureTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>
{
    private readonly SmtpSink _smtp = smtpFixture.Smtp;

    [Theory]
    [InlineData("en-IE", "Jill Magso at Sample Shop", "Jill Magso will answer")]
    [InlineData("de-DE", "Jill Magso von Sample Shop", "dann meldet sich Jill Magso")]
    public async Task ASignedReminderComesFromThePersonAtTheShopAndAReplyReachesThem(string locale, string from, string reply)
    {
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:Sender:Signature:Name"] = "Jill Magso",
            ["Recovery:Sender:Signature:Role"] = "Customer Happiness Manager",
            ["Recovery:Sender:Signature:PhotoUrl"] = "https://shop.example/jill.jpg",
            ["Recovery:Sender:Signature:ReplyTo"] = "jill@example.com",
            ["Recovery:Sender:Signature:InFrom"] = "true",
        });
        var (cartId, email) = (Bodies.NewId("cart"), Bodies.NewEmail());
        Assert.Equal(HttpStatusCode.NoContent, (await api.Storefront().PutCartAsync(cartId, Bodies.Cart(cartId, email, locale))).StatusCode);
        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(_smtp.To(email).Any()), "the reminder");

        var mail = _smtp.To(email).Single();
        var sender = Assert.Single(mail.From.Mailboxes);
        Assert.Equal((from, "shop@example.com"), (sender.Name, sender.Address));
        var replyTo = Assert.Single(mail.ReplyTo.Mailboxes);
        Assert.Equal(("Jill Magso", "jill@example.com"), (replyTo.Name, replyTo.Address));
        Assert.Contains("<strong>Jill Magso</strong><br>Customer Happiness Manager, Sample Shop", mail.HtmlBody);
        Assert.Contains("<img src=\"https://shop.example/jill.jpg\" alt=\"\" width=\"48\" height=\"48\"", mail.HtmlBody);
        Assert.Contains("Jill Magso\nCustomer Happiness Manager, Sample Shop", mail.TextBody!.ReplaceLineEndings("\n"));
        Assert.Contains(reply, mail.TextBody);
    }

    [Fact]
    public async Task WithoutASignatureTheShopSignsAsBefore()
    {
        await using var api = new RecoveryApiFactory(_smtp);
        var (cartId, email) = (Bodies.NewId("cart"), Bodies.NewEmail());
        Assert.Equal(HttpStatusCode.NoContent, (await api.Storefront().PutCartAsync(cartId, Bodies.Cart(cartId, email))).StatusCode);
        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(_smtp.To(email).Any()), "the reminder");

        var mail = _smtp.To(email).Single();
        Assert.Equal("Sample Shop", Assert.Single(mail.From.Mailboxes).Name);
        Assert.Equal("support@example.com", Assert.Single(mail.ReplyTo.Mailboxes).Address);
        Assert.Contains("<strong>Sample Shop</strong></td>", mail.HtmlBody);
        Assert.Contains("a person at Sample Shop will answer", mail.TextBody);
    }

    [Theory]
    [InlineData("Recovery:Sender:Signature:PhotoUrl", "http://shop.example/jill.jpg", "Recovery:Sender:Signature:PhotoUrl")]
    [InlineData("Recovery:Sender:Signature:ReplyTo", "Jill <jill@example.com>", "Recovery:Sender:Signature:ReplyTo")]
    [InlineData("Recovery:Sender:Signature:Role", "Manager\r\nBcc: x@example.com", "Recovery:Sender:Signature:Role")]
    public async Task ABadSignatureSettingStopsStartUpNamingItsKey(string key, string value, string named)
    {
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?>
        {
            ["Recovery:Sender:Signature:Name"] = "Jill Magso",
            [key] = value,
        });

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => Task.Run(() => api.Server));
        Assert.Contains(named, failure.ToString());
    }

    [Fact]
    public async Task ARoleWithoutANameStopsStartUp()
    {
        await using var api = new RecoveryApiFactory(_smtp, settings: new Dictionary<string, string?> { ["Recovery:Sender:Signature:Role"] = "Manager" });

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => Task.Run(() => api.Server));
        Assert.Contains("Recovery:Sender:Signature:Name", failure.ToString());
    }
}
