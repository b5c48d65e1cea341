using Microsoft.Extensions.Options;
using Orleans.Recovery.Links;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.Grains.Tests.Mail;

/// <summary>Templates placed in a layout, and operators' own templates from before layouts, used as they are.</summary>
[Trait("Category", "Unit")]
public sealed class TemplateLayoutTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("recovery-templates-");

    public void Dispose() => _directory.Delete(recursive: true);

    private MailTemplates Templates() => new(new TemplateStore(Options.Create(new MailTemplateOptions { Directory = _directory.FullName })));

    private void Write(string relative, string text)
    {
        var file = new FileInfo(Path.Combine(_directory.FullName, relative));
        file.Directory!.Create();
        File.WriteAllText(file.FullName, text);
    }

    private static MailModel Model() => new() { FirstName = "Ana", ShopName = "Kaffee & Co", Language = "en", Brand = new BrandOptions().Model(new SenderOptions { FromName = "Kaffee & Co" }) };

    [Fact]
    public void ATemplateNamingALayoutIsPlacedInItWithWhatItAssigned()
    {
        Write("en/note.subject.liquid", "Hello {{ firstName }}");
        Write("en/note.html.liquid", "{%- assign layout = 'frame' -%}{%- capture preheader %}Early {{ firstName }}{% endcapture -%}<p>Hi {{ firstName }} & you</p>");
        Write("en/note.text.liquid", "{%- assign layout = 'frame' -%}Hi {{ firstName }}");
        Write("en/frame.html.liquid", "<main data-pre=\"{{ preheader }}\">{{ content }}</main>");
        Write("en/frame.text.liquid", "{{ content }}\n-- {{ shopName }}");

        var mail = Templates().Render("en", "note", Model());

        Assert.Equal("<main data-pre=\"Early Ana\"><p>Hi Ana & you</p></main>", mail.Html);
        Assert.Equal("Hi Ana\n-- Kaffee & Co", mail.Text);
    }

    [Fact]
    public void AnOperatorsWholeDocumentWithoutALayoutIsSentAsItIs()
    {
        Write("en/cart-reminder.html.liquid", "<!DOCTYPE html><html><body><p>{{ firstName }}</p></body></html>");

        var html = Templates().Render("en", "cart-reminder", Model() with { }).Html;

        Assert.Equal("<!DOCTYPE html><html><body><p>Ana</p></body></html>", html);
    }

    [Fact]
    public void PersonalisationAndBrandAreEscapedOnceInTheLayoutAndNotAtAllInText()
    {
        var brand = new BrandOptions { Name = "Kaffee & <b>Co</b>", FooterText = "<script>x</script>\nHRB 1" }.Model(new SenderOptions());
        var model = Model() with { ShopName = brand.Name, Brand = brand };

        var page = Templates().RenderPage("en", "page-newsletter", model);
        Assert.DoesNotContain("<script>", page);
        Assert.DoesNotContain("<b>Co</b>", page);
        Assert.Contains("&lt;script&gt;x&lt;/script&gt;<br>HRB 1", page);
        Assert.DoesNotContain("&amp;amp;", page);

        var mail = Templates().Render("en", "delivered", new Orleans.Recovery.Orders.OrderMailModel { OrderId = "1001", Items = [], Subtotal = "", Shipping = "", Tax = "", Total = "", Guarantees = [], FirstName = "Zoë & Jo", ShopName = brand.Name, Brand = brand, Language = "en" });
        Assert.Contains("Zoë &amp; Jo", mail.Html);
        Assert.Contains("Kaffee &amp; &lt;b&gt;Co&lt;/b&gt;", mail.Html);
        Assert.DoesNotContain("&amp;amp;", mail.Html);
        Assert.Contains("Hi Zoë & Jo,", mail.Text);
        Assert.Contains("Kaffee & <b>Co</b>", mail.Text);
        Assert.DoesNotContain("&amp;", mail.Text);
    }

    [Fact]
    public void WhatTheHtmlPartAssignsDoesNotReachTheTextPart()
    {
        Write("en/note.subject.liquid", "Hello");
        Write("en/note.html.liquid", "{%- assign layout = 'frame' -%}{%- capture footerNote %}From {{ shopName }}{% endcapture -%}<p>x</p>");
        Write("en/note.text.liquid", "{%- assign layout = 'frame' -%}x");
        Write("en/frame.html.liquid", "{{ content }}|{{ footerNote }}");
        Write("en/frame.text.liquid", "{{ content }}|{{ footerNote }}");

        var mail = Templates().Render("en", "note", Model());

        Assert.Equal("<p>x</p>|From Kaffee &amp; Co", mail.Html);
        Assert.Equal("x|", mail.Text);
    }

    [Fact]
    public void ALayoutThatIsNotATemplateNameIsRefused()
    {
        Write("en/odd.subject.liquid", "x");
        Write("en/odd.html.liquid", "{%- assign layout = '../secrets' -%}x");
        Write("en/odd.text.liquid", "x");

        var failure = Assert.Throws<InvalidOperationException>(() => Templates().Render("en", "odd", Model()));
        Assert.Contains("'../secrets'", failure.Message);
    }

    [Fact]
    public void AnUnsubscribeLinkFromACartsReminderNamesTheCustomerAndTheMessage()
    {
        var subject = UnsubscribePayload.Of("c0123", "cart/with/slashes/cart-abandonment/2");

        Assert.Equal(("c0123", "cart/with/slashes/cart-abandonment/2"), UnsubscribePayload.Parse(subject));
        Assert.Equal(("c0123", (string?)null), UnsubscribePayload.Parse("c0123"));
    }
}
