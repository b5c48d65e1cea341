using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Orleans.Recovery.Api.Connectors;

namespace Orleans.Recovery.Api.Tests.Shop;

/// <summary>Reading providers' JSON and signatures, without a host.</summary>
[Trait("Category", "Unit")]
public sealed class PayloadTests
{
    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;

    [Fact]
    public void IdsPast2To53StayWholeAndMoneyIsReadWithoutFloatingPoint()
    {
        var payload = Parse("""{ "id": 6012345678901234567, "price": "18.90", "woo_price": 18.9, "quantity": 2, "missing": null }""");

        Assert.Equal("6012345678901234567", payload.Text("id"));
        Assert.Equal(18.90m, payload.Decimal("price"));
        Assert.Equal(18.9m, payload.Decimal("woo_price"));
        Assert.Equal(2m, payload.Decimal("quantity"));
        Assert.Null(payload.Text("missing"));
        Assert.Null(payload.Decimal("absent"));
        Assert.Null(Parse("[1]").Text("id"));
    }

    [Fact]
    public void ALineTheStorefrontApiWouldRefuseNamesItsField()
    {
        var order = Parse("""{ "line_items": [ { "sku": "A", "quantity": 1, "price": "1.00" }, { "sku": "", "product_id": 7, "quantity": 1.5, "price": "2" } ] }""");

        var (lines, error) = ShopFields.Lines(order, "line_items", item => (Payload.FirstOf(item.Text("sku"), item.Text("product_id")), null, item.Decimal("quantity"), item.Decimal("price"), null, null));

        Assert.Empty(lines);
        Assert.Equal("line_items[1].quantity is not a whole number from 1 to 100000", error);
    }

    [Fact]
    public void AnHmacSignatureMatchesOnlyTheExactBytesAndSecret()
    {
        var body = Encoding.UTF8.GetBytes("""{"name":"J\u00fcrgen"}""");
        var signature = Convert.ToBase64String(HMACSHA256.HashData("s3cret-0123456789abcdef"u8, body));

        Assert.True(ShopFields.IsBase64Hmac(signature, "s3cret-0123456789abcdef", body));
        Assert.False(ShopFields.IsBase64Hmac(signature, "another-0123456789abcdef", body));
        Assert.False(ShopFields.IsBase64Hmac(signature, "s3cret-0123456789abcdef", Encoding.UTF8.GetBytes("""{"name":"Jürgen"}""")));
        Assert.False(ShopFields.IsBase64Hmac("not base64!", "s3cret-0123456789abcdef", body));
        Assert.False(ShopFields.IsBase64Hmac(null, "s3cret-0123456789abcdef", body));
    }

    [Fact]
    public void NamesLoseTheirControlCharactersSoTheyCannotReachAHeader() =>
        Assert.Equal("Ana  Bcc: x@evil.example", ShopFields.Line("Ana\r\nBcc: x@evil.example", 100));
}
