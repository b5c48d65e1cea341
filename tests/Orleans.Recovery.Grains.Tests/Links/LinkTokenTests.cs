using Orleans.Recovery.Testing;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Links;

namespace Orleans.Recovery.Grains.Tests.Links;

/// <summary>
/// Links are sealed: nobody holding one can read whose it is. They carry the email's language to the page behind them,
/// and links sent before sealing or languages still work until they expire.
/// </summary>
[Trait("Category", "Unit")]
public sealed class LinkTokenTests
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero));
    private static readonly byte[] Key = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];

    private static LinkTokens Tokens(TimeProvider? clock = null)
    {
        var options = new LinkOptions { SigningKey = Convert.ToBase64String(Key) };
        options.ResolveKey();
        return new LinkTokens(Options.Create(options), clock ?? Clock);
    }

    [Fact]
    public void ALinkCarriesItsEmailsLanguageUnderTheSeal()
    {
        var tokens = Tokens();
        var token = tokens.Create(LinkPurpose.Unsubscribe, "c0123 cart-1/cart-abandonment/1", Clock.GetUtcNow().AddDays(1), "de");

        Assert.Equal(new SignedLink("c0123 cart-1/cart-abandonment/1", "de"), tokens.Read(LinkPurpose.Unsubscribe, token));
        Assert.Null(tokens.Read(LinkPurpose.Newsletter, token));
    }

    [Fact]
    public void NobodyHoldingALinkCanReadWhoseItIsOrTestAGuessedAddress()
    {
        var tokens = Tokens();
        var customer = TestCustomerKeys.Of("ana@example.com");
        var token = tokens.Create(LinkPurpose.Unsubscribe, $"{customer} cart-77/cart-abandonment/1", Clock.GetUtcNow().AddDays(1), "de");

        var bytes = Base64Url.DecodeFromChars(token.AsSpan(0, token.IndexOf('.')));
        var readable = Encoding.UTF8.GetString(bytes);
        Assert.DoesNotContain(customer, readable);
        Assert.DoesNotContain("cart-77", readable);
        Assert.DoesNotContain(customer, token);

        // One link is one token, every time: a mail rendered twice carries the same links.
        Assert.Equal(token, tokens.Create(LinkPurpose.Unsubscribe, $"{customer} cart-77/cart-abandonment/1", Clock.GetUtcNow().AddDays(1), "de"));
    }

    [Fact]
    public void ALinkSentBeforeSealingAndLanguagesStillWorksUntilItExpires()
    {
        // The format of links in mail already sent: base64url(payload) "." base64url(first 16 bytes of HMAC-SHA256).
        var payload = Encoding.UTF8.GetBytes($"u\nc0123\n{Clock.GetUtcNow().AddDays(1).ToUnixTimeSeconds()}");
        var signed = $"{Base64Url.EncodeToString(payload)}.{Base64Url.EncodeToString(HMACSHA256.HashData(Key, payload).AsSpan(0, 16))}";
        var later = new FakeTimeProvider(Clock.GetUtcNow());
        var tokens = Tokens(later);

        Assert.Equal(new SignedLink("c0123", null), tokens.Read(LinkPurpose.Unsubscribe, signed));
        later.Advance(TimeSpan.FromDays(2));
        Assert.Null(tokens.Read(LinkPurpose.Unsubscribe, signed));
    }

    [Fact]
    public void ChangingAnyByteBreaksTheSeal()
    {
        var tokens = Tokens();
        var token = tokens.Create(LinkPurpose.Unsubscribe, "c0123", Clock.GetUtcNow().AddDays(1), "de");
        var dot = token.IndexOf('.');
        var body = Base64Url.DecodeFromChars(token.AsSpan(0, dot));

        for (var i = 0; i < body.Length; i++)
        {
            var changed = (byte[])body.Clone();
            changed[i] ^= 0x01;
            Assert.Null(tokens.Read(LinkPurpose.Unsubscribe, Base64Url.EncodeToString(changed) + token[dot..]));
        }

        Assert.Null(tokens.Read(LinkPurpose.Unsubscribe, token[..^2] + (token[^2] == 'A' ? "BA" : "AA")));
    }
}
