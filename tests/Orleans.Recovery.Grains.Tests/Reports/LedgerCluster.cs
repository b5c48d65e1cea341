using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Grains.Tests.Carts;
using Orleans.Recovery.Orders;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Hosting;
using Orleans.Recovery.Hosting.Storage;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Grains.Tests.Reports;

/// <summary>A cluster of one scenario's own, so its ledger holds exactly what the scenario did.</summary>
public sealed class LedgerCluster(LedgerDatabase ledger, IReadOnlyDictionary<string, string?> settings) : ClusterFixture
{
    public static readonly DateOnly Today = new(2026, 11, 25);

    protected override IReadOnlyDictionary<string, string?> Overrides => settings;

    protected override LedgerDatabase CreateLedger() => ledger;

    /// <summary>The stats of the month around the scenario, once the ledger has committed everything.</summary>
    public async Task<IReadOnlyDictionary<string, FlowStats>> StatsAsync()
    {
        await LedgerSettledAsync();
        var rows = await Query<StatsCountsQuery>().CountsAsync(Today.AddDays(-1), Today.AddDays(30), null, CancellationToken.None);
        return StatsReport.From(rows, FlowNames.All).ToDictionary(flow => flow.Flow);
    }

    public async Task<IReadOnlyList<LeadView>> LeadsAsync(string? status = null)
    {
        await LedgerSettledAsync();
        return await Query<LeadListQuery>().LeadsAsync(new LeadQuery(Today.AddDays(-1), Today.AddDays(30), null, status, 0, null), Clock.GetUtcNow(), CancellationToken.None).ToListAsync();
    }

    /// <summary>A new ledger on its own SQLite file, or on a new PostgreSQL database with the project's schema.</summary>
    public static async Task<LedgerDatabase> NewLedgerAsync(PostgresServer? postgres)
    {
        if (postgres is null)
        {
            return LedgerDatabase.Temporary();
        }

        var connectionString = await postgres.CreateDatabaseAsync("ledger");
        var settings = RecoverySettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Recovery:Storage"] = "PostgreSQL",
            ["ConnectionStrings:Recovery"] = connectionString,
        }).Build());
        await new DatabaseSchema(settings, NullLogger<DatabaseSchema>.Instance).ApplyAsync(CancellationToken.None);
        return LedgerDatabase.On(connectionString, postgreSql: true);
    }
}

/// <summary>A shopper in a results scenario: a cart, its recovery mail, clicks and orders.</summary>
public sealed class Shopper(LedgerCluster cluster, string? email = null)
{
    private readonly CartScenario _cart = new(cluster, email: email);

    public string CartId => _cart.CartId;

    public string Email => _cart.Email;

    public string CustomerKey => TestCustomerKeys.Of(_cart.Customer.Email);

    /// <summary>Recovery mail the shopper got: marketing, with List-Unsubscribe.</summary>
    public int MailCount => _cart.MailCount;

    /// <summary>All mail the shopper got, order confirmations included.</summary>
    public int AllMailCount => cluster.Smtp.To(Email).Count();

    public Task PutAsync() => _cart.PutAsync();

    public Task<CartView> ViewAsync() => _cart.ViewAsync();

    /// <summary>Follows the recovery link of step <paramref name="step"/>'s mail.</summary>
    public async Task ClickAsync(int step) => Assert.NotNull((await _cart.Cart.RecordClickAsync(AbandonedCartPlan.MessageId(CartId, step - 1)))?.RestoreUrl);

    public OrderPlaced Order(PaymentStatus payment = PaymentStatus.Paid) => _cart.Order(CartId) with { PaymentStatus = payment };

    /// <summary>Buys the cart: an order of 49.78 EUR.</summary>
    public async Task<OrderPlaced> BuyAsync(PaymentStatus payment = PaymentStatus.Paid)
    {
        var order = Order(payment);
        Assert.True(await cluster.Grains.GetGrain<IOrderGrain>(order.OrderId).PlaceAsync(order));
        return order;
    }
}
