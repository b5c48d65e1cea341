using Orleans.Recovery.Testing;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Customers;

namespace Orleans.Recovery.Grains.Tests.Customers;

[Trait("Category", "Unit")]
public sealed class CustomerProfileTests
{
    private static CustomerKeys Keys(string secret)
    {
        var options = new PrivacyOptions { CustomerKeySecret = secret };
        options.ResolveSecret();
        return new CustomerKeys(Options.Create(options));
    }

    [Fact]
    public void ACartPrintedIntoALogNeverShowsTheShoppersNameOrAddress()
    {
        var customer = new CustomerProfile("ana.example@mail.test", "Ana", "Example", "cust-7", "de-DE", "DE");
        var cart = new CartSnapshot(customer, "EUR", [new CartLine("SKU", "Mug", 1, 5m)], null, "https://shop.test/r");

        var printed = cart.ToString();

        Assert.DoesNotContain("ana.example", printed);
        Assert.DoesNotContain("Ana", printed);
        Assert.DoesNotContain("Example", printed);
        Assert.Contains("withheld", printed);
    }

    [Fact]
    public void TheSameAddressInAnotherCaseIsTheSameCustomer()
    {
        var keys = Keys(TestCustomerKeys.Secret);

        Assert.Equal(keys.Of("Ana@Mail.Test "), keys.Of("ana@mail.test"));
        Assert.NotEqual(keys.Of("ana@mail.test"), keys.Of("bob@mail.test"));
    }

    [Fact]
    public void AKeyIsAnHmacUnderTheDeploymentsSecretSoTheAddressAloneDoesNotGiveIt()
    {
        var keys = Keys(TestCustomerKeys.Secret);
        var another = Keys(Convert.ToBase64String(new byte[32]));

        // The rule, computed independently: k and 16 bytes of HMAC-SHA256 over the old unkeyed key, in hex.
        Assert.Equal(TestCustomerKeys.Of("ana@mail.test"), keys.Of("ana@mail.test"));
        Assert.Matches("^k[0-9a-f]{32}$", keys.Of("ana@mail.test"));
        Assert.NotEqual(keys.Of("ana@mail.test"), another.Of("ana@mail.test"));
        Assert.NotEqual(TestCustomerKeys.Unkeyed("ana@mail.test")[1..], keys.Of("ana@mail.test")[1..]);
    }

    [Fact]
    public void AnOldUnkeyedKeyIsReadAsTodaysKeyOfTheSameAddressAndAnyOtherKeyAsItIs()
    {
        var keys = Keys(TestCustomerKeys.Secret);
        var old = TestCustomerKeys.Unkeyed("ana@mail.test");

        Assert.Equal(old, CustomerKeys.Legacy("Ana@Mail.Test"));
        Assert.True(CustomerKeys.IsLegacy(old));
        Assert.Equal(keys.Of("ana@mail.test"), keys.Current(old));
        Assert.Equal(keys.Of("ana@mail.test"), keys.Current(keys.Of("ana@mail.test")));
        Assert.False(CustomerKeys.IsLegacy("cafe"));
        Assert.False(CustomerKeys.IsLegacy("c" + new string('g', 32)));
    }
}
