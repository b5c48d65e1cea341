using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Recovery.Api.Auth;
using Orleans.Recovery.Api.Validation;
using Orleans.Recovery.Api.Reports;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Coupons;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Orders;
using Orleans.Recovery.Ledger;
using Orleans.Reminders;

namespace Orleans.Recovery.Api.Customers;

/// <summary>The body of <c>POST /api/v1/customers/lookup</c>: the address in the body, where proxies do not log it.</summary>
public sealed record CustomerLookupRequest
{
    [Required, Email, StringLength(254)]
    public string? Email { get; init; }
}

/// <summary>Everything held on one customer.</summary>
public sealed record CustomerExport(
    string CustomerKey,
    string Email,
    DateTimeOffset ExportedAt,
    IReadOnlyList<CustomerProfile> Profiles,
    CustomerView Consent,
    DateTimeOffset? UnsubscribedAt,
    IReadOnlyList<CartView> Carts,
    IReadOnlyList<OrderView> Orders,
    IReadOnlyList<CustomerMessage> Messages,
    IReadOnlyList<LinkClick> Clicks,
    IReadOnlyList<CouponView> Coupons,
    IReadOnlyList<LeadView> Leads)
{
    /// <summary>The messages to the address in the pickup directory (the default with no SMTP host), by file name.</summary>
    public IReadOnlyList<string> PickupFiles { get; init; } = [];
}

/// <summary>
/// What an erase reached. <c>Compacted</c>: on SQLite, whether the file was rebuilt and its log emptied, so no copy of the
/// data is left on disk; false when a long read (a CSV download) held the log, and erasing again finishes it.
/// </summary>
public sealed record CustomerErasure(string CustomerKey, int Carts, int Orders, int LeadsDeleted, bool Compacted)
{
    /// <summary>
    /// On PostgreSQL, when the tables the erase touched start being rewritten without its dead rows, in the background
    /// (<c>Recovery:Privacy:VacuumDelay</c> from now); null on SQLite, compacted before this answer.
    /// </summary>
    public DateTimeOffset? VacuumScheduledAt { get; init; }

    /// <summary>The messages to the address deleted from the pickup directory.</summary>
    public int PickupFilesDeleted { get; init; }
}

/// <summary>
/// The operator's view of one customer: unsubscribe or suppression, newsletter consent from the opt-in link, recent
/// marketing sends under the frequency cap, and the variants they were assigned.
/// </summary>
public static class CustomersApi
{
    /// <summary>When the path form was deprecated (RFC 9745), as a Unix time: 2026-11-25T00:00:00Z.</summary>
    private const long PathFormDeprecatedAt = 1795564800;

    public static IEndpointRouteBuilder MapCustomersApi(this IEndpointRouteBuilder app)
    {
        var customers = app.MapGroup("/api/v1/customers").WithTags("Customers").RequireAuthorization(ApiScopes.Operator);
        customers.MapPost("/lookup", LookUp);
        customers.MapPost("/export", Export);
        customers.MapPost("/erase", Erase);
        customers.MapGet("/{email}", GetCustomer);
        return app;
    }

    /// <summary>Everything held on the customer, as one JSON document (GDPR access and portability).</summary>
    public static async Task<Ok<CustomerExport>> Export(CustomerLookupRequest request, IGrainFactory grains, CustomerLedgerQuery customerLedger, PickupCopies pickup, CustomerKeys keys, [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock, CancellationToken cancellationToken)
    {
        var key = keys.Of(request.Email!);
        var now = clock.GetUtcNow();
        var uncommitted = await UncommittedHoldings.InClusterAsync(grains, key);
        var ledger = await customerLedger.CustomerAsync(key, now, cancellationToken);
        var (carts, orders) = await HoldingsAsync(key, ledger, grains, keys, (await grains.GetGrain<ICustomerGrain>(key).GetHoldingsAsync()).With(uncommitted));
        var coupons = await Task.WhenAll(ledger.CouponCodes.Concat(orders.Select(order => order.Order.CouponCode).OfType<string>()).Distinct()
            .Select(code => grains.GetGrain<ICouponGrain>(CouponCodes.Normalize(code)).GetAsync()));
        return TypedResults.Ok(new CustomerExport(
            key,
            request.Email!.Trim(),
            now,
            [.. carts.Select(cart => cart.Customer!).Concat(orders.Select(order => order.Order.Customer)).Distinct()],
            await grains.GetGrain<ICustomerGrain>(key).GetViewAsync(),
            ledger.UnsubscribedAt,
            carts,
            orders,
            ledger.Messages,
            [.. carts.SelectMany(cart => cart.Clicks)],
            [.. coupons.OfType<CouponView>()],
            ledger.Leads)
        {
            PickupFiles = pickup.Of(request.Email!),
        });
    }

    /// <summary>
    /// Erases the customer's personal data: their carts and orders are cleared (with whatever they still owed), their
    /// leads deleted, and the customer grain keeps only that the address, by its hash, is erased and never mailed
    /// again. The ledger keeps its anonymous counts. On SQLite the file is compacted so no copy of the data remains.
    /// </summary>
    public static async Task<Ok<CustomerErasure>> Erase(CustomerLookupRequest request, IGrainFactory grains, CustomerLedgerQuery customerLedger, LedgerErasure erasure, PickupCopies pickup, CustomerKeys keys, ErasureVacuum vacuum, [FromKeyedServices(ReminderTimeProviderNames.Reminders)] TimeProvider clock, CancellationToken cancellationToken)
    {
        var key = keys.Of(request.Email!);
        var now = clock.GetUtcNow();

        // Stop the mail first, then mark the ledger so no lead of theirs comes back, then clear the grains: those the
        // ledger knows, and those the customer grain knew of (a cart whose messages the ledger filed under an earlier address).
        // The ledger is read first: marking the customer erased files their messages under a key that leads nowhere.
        // Before it, every silo says which of their carts and orders its ledger writer has not committed yet: a cart
        // reported a moment ago, or whose entries an outage kept out, is found though the ledger does not list it.
        var uncommitted = await UncommittedHoldings.InClusterAsync(grains, key);
        var ledger = await customerLedger.CustomerAsync(key, now, cancellationToken);
        var known = (await grains.GetGrain<ICustomerGrain>(key).EraseAsync()).With(uncommitted);
        var leads = await erasure.EraseAsync(key, now);
        var (carts, orders) = await HoldingsAsync(key, ledger, grains, keys, known);
        foreach (var cart in carts)
        {
            await grains.GetGrain<ICartGrain>(cart.CartId).EraseAsync();
        }

        foreach (var order in orders)
        {
            await grains.GetGrain<IOrderGrain>(order.Order.OrderId).EraseAsync();
        }

        leads += await erasure.EraseAsync(key, now);

        // The mail already written to the pickup directory holds the shopper's name, cart and links too.
        var pickupFiles = pickup.Erase(request.Email!);
        return TypedResults.Ok(new CustomerErasure(key, carts.Count, orders.Count, leads, await erasure.CompactAsync())
        {
            PickupFilesDeleted = pickupFiles,
            VacuumScheduledAt = vacuum.Schedule(),
        });
    }

    /// <summary>The carts and orders that hold this customer's data now: a cart since given another address is theirs no more.</summary>
    private static async Task<(List<CartView> Carts, List<OrderView> Orders)> HoldingsAsync(string key, CustomerLedger ledger, IGrainFactory grains, CustomerKeys keys, CustomerHoldings? known = null)
    {
        var carts = await Task.WhenAll(ledger.CartIds.Union(known?.CartIds ?? []).Select(id => grains.GetGrain<ICartGrain>(id).GetViewAsync()));
        var orders = await Task.WhenAll(ledger.OrderIds.Union(known?.OrderIds ?? []).Select(id => grains.GetGrain<IOrderGrain>(id).GetViewAsync()));
        return (
            [.. carts.OfType<CartView>().Where(cart => cart.Customer is { } customer && keys.Of(customer) == key || cart.Captured is { } captured && keys.Of(captured.Customer) == key)],
            [.. orders.OfType<OrderView>().Where(order => keys.Of(order.Order.Customer) == key)]);
    }

    public static async Task<Ok<CustomerView>> LookUp(CustomerLookupRequest lookup, IGrainFactory grains, CustomerKeys keys) =>
        TypedResults.Ok(await ViewAsync(lookup.Email!, grains, keys));

    /// <summary>
    /// Deprecated: the address in the path ends up in proxy and load-balancer access logs. Use
    /// <c>POST /api/v1/customers/lookup</c>; the answer says so in its Deprecation and Link headers.
    /// </summary>
    public static async Task<Results<Ok<CustomerView>, ValidationProblem>> GetCustomer(string email, IGrainFactory grains, CustomerKeys keys, HttpResponse response)
    {
        response.Headers["Deprecation"] = $"@{PathFormDeprecatedAt}";
        response.Headers.Link = "</api/v1/customers/lookup>; rel=\"successor-version\"";
        if (email.Length > 254 || !Orleans.Recovery.Mail.SenderOptions.IsAddress(email.Trim()))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["email"] = ["The email field is not a valid email address."] });
        }

        return TypedResults.Ok(await ViewAsync(email, grains, keys));
    }

    /// <summary>A customer the engine has never seen has an empty view: nothing sent, nothing recorded.</summary>
    private static Task<CustomerView> ViewAsync(string email, IGrainFactory grains, CustomerKeys keys) =>
        grains.GetGrain<ICustomerGrain>(keys.Of(email)).GetViewAsync();
}
