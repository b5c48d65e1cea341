using Orleans.Recovery.Carts;
using Orleans.Recovery.Customers;

namespace Orleans.Recovery.Grains.Tests.Customers;

public sealed class CustomerProfileTests
{
    [Fact]
    public void ACartPrintedIntoALogNeverShowsTheShoppersNameOrAddress()
    {
        var customer = new CustomerProfile("ana.example@mail.test", "Ana", "Example", "cust-7", "de-DE", "DE");
        var cart = new CartSnapshot(customer, "EUR", [new CartLine("SKU", "Mug", 1, 5m)], null, "https://shop.test/r");

        var printed = cart.ToString();

        Assert.DoesNotContain("ana.example", printed);
        Assert.DoesNotContain("Ana", printed);
        Assert.DoesNotContain("Example", printed);
        Assert.Contains(customer.Key, printed);
    }

    [Fact]
    public void TheSameAddressInAnotherCaseIsTheSameCustomer()
    {
        Assert.Equal(CustomerKey.FromEmail("Ana@Mail.Test "), CustomerKey.FromEmail("ana@mail.test"));
        Assert.NotEqual(CustomerKey.FromEmail("ana@mail.test"), CustomerKey.FromEmail("bob@mail.test"));
    }
}
