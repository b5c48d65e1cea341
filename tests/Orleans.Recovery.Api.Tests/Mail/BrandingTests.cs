using Microsoft.AspNetCore.Http;
using Orleans.Recovery.Api.Links;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.Api.Tests.Mail;

/// <summary>The shop's brand from configuration, and the language a page behind a link is shown in.</summary>
[Trait("Category", "Api")]
public sealed class BrandingTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>
{
    [Theory]
    [InlineData("Recovery:Brand:PrimaryColor", "blue")]
    [InlineData("Recovery:Brand:PrimaryColor", "#12345")]
    [InlineData("Recovery:Brand:LogoUrl", "http://shop.example/logo.png")]
    [InlineData("Recovery:Brand:LogoWidth", "2000")]
    [InlineData("Recovery:Brand:Name", "Shop\r\nBcc: x@example.com")]
    public async Task ABadBrandSettingStopsStartUpNamingItsKey(string key, string value)
    {
        await using var api = new RecoveryApiFactory(smtpFixture.Smtp, settings: new Dictionary<string, string?> { [key] = value });

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => Task.Run(() => api.Server));
        Assert.Contains(key, failure.ToString());
    }

    [Fact]
    public void WithoutBrandSettingsTheShopIsTheSenderInNeutralGrey()
    {
        var brand = new BrandOptions().Model(new SenderOptions { FromName = "Kaffee & Co" });

        Assert.Equal(new BrandModel("Kaffee & Co", null, null, "#374151", "#ffffff", null), brand);
        Assert.Empty(brand.FooterLines);
    }

    [Theory]
    [InlineData("#0b5fff", "#ffffff")]
    [InlineData("#ffd400", "#111111")]
    [InlineData("#FFF", "#111111")]
    [InlineData("#000", "#ffffff")]
    public void ButtonTextIsWhateverReadsBetterOnTheAccent(string accent, string text)
    {
        var brand = new BrandOptions { PrimaryColor = accent }.Model(new SenderOptions());

        Assert.Equal(text, brand.OnPrimary);
        Assert.Equal(7, brand.PrimaryColor.Length);
    }

    [Fact]
    public void TheFooterKeepsItsLines()
    {
        var brand = new BrandOptions { FooterText = "Kaffee & Co GmbH\r\nHRB 1234\n" }.Model(new SenderOptions());

        Assert.Equal(["Kaffee & Co GmbH", "HRB 1234"], brand.FooterLines);
    }

    [Theory]
    [InlineData("de", "en-GB,en;q=0.9", "de")]
    [InlineData(null, "fr-FR,de-AT;q=0.8,en;q=0.5", "de")]
    [InlineData(null, "en;q=0.4,de;q=0.9", "de")]
    [InlineData(null, "de;q=0,en;q=0.1", "en")]
    [InlineData(null, "fr-FR,it", "en")]
    [InlineData(null, null, "en")]
    [InlineData("xx", "de-CH", "de")]
    public void APageSpeaksTheEmailsLanguageThenTheBrowsersThenEnglish(string? linkLanguage, string? acceptLanguage, string shown)
    {
        var http = new DefaultHttpContext();
        if (acceptLanguage is not null)
        {
            http.Request.Headers.AcceptLanguage = acceptLanguage;
        }

        Assert.Equal(shown, PageLanguage.Of(linkLanguage, http.Request));
    }
}
