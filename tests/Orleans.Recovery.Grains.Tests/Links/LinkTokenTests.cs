using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.Recovery.Links;

namespace Orleans.Recovery.Grains.Tests.Links;

/// <summary>Signed links carry the email's language to the page behind them; links sent before that still work.</summary>
public sealed class LinkTokenTests
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero));

    private static LinkTokens Tokens()
    {
        var options = new LinkOptions { SigningKey = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)i).ToArray()) };
        options.ResolveKey();
        return new LinkTokens(Options.Create(options), Clock);
    }

    [Fact]
    public void ALinkCarriesItsEmailsLanguageUnderTheSignature()
    {
        var tokens = Tokens();
        var token = tokens.Create(LinkPurpose.Unsubscribe, "c0123 cart-1/cart-abandonment/1", Clock.GetUtcNow().AddDays(1), "de");

        Assert.Equal(new SignedLink("c0123 cart-1/cart-abandonment/1", "de"), tokens.Read(LinkPurpose.Unsubscribe, token));
        Assert.Null(tokens.Read(LinkPurpose.Newsletter, token));
    }

    [Fact]
    public void ALinkSentBeforeLanguagesWereCarriedStillWorksWithoutOne()
    {
        var tokens = Tokens();
        var token = tokens.Create(LinkPurpose.Unsubscribe, "c0123", Clock.GetUtcNow().AddDays(1));

        Assert.Equal(new SignedLink("c0123", null), tokens.Read(LinkPurpose.Unsubscribe, token));
        Assert.Equal("c0123", tokens.Verify(LinkPurpose.Unsubscribe, token));
    }

    [Fact]
    public void ChangingTheLanguageBreaksTheSignature()
    {
        var tokens = Tokens();
        var token = tokens.Create(LinkPurpose.Unsubscribe, "c0123", Clock.GetUtcNow().AddDays(1), "de");
        var payload = System.Buffers.Text.Base64Url.DecodeFromChars(token.AsSpan(0, token.IndexOf('.')));
        payload[^1] = (byte)'n';
        var forged = System.Buffers.Text.Base64Url.EncodeToString(payload) + token[token.IndexOf('.')..];

        Assert.Null(tokens.Read(LinkPurpose.Unsubscribe, forged));
    }
}
