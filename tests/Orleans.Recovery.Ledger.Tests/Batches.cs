namespace Orleans.Recovery.Ledger.Tests;

/// <summary>What grains append to the ledger, at fixed times: carts, orders and their customers' messages.</summary>
internal static class Batches
{
    public static readonly DateOnly Today = new(2026, 11, 25);

    public static readonly DateTimeOffset Morning = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    public const string Currency = "EUR";

    /// <summary>The cart <paramref name="cartId"/> of the customer keyed <c>c-{customer}</c>.</summary>
    public static LedgerOwner Cart(string cartId, string customer) => new(LedgerOwner.Cart, cartId, $"c-{customer}");

    /// <summary>The order <paramref name="orderId"/> of the customer keyed <c>c-{customer}</c>.</summary>
    public static LedgerOwner Order(string orderId, string customer) => new(LedgerOwner.Order, orderId, $"c-{customer}");

    public static LedgerBatch Of(LedgerOwner owner, params LedgerEntry[] entries) => new(owner, [.. entries]);

    /// <summary>The planned first step of cart <paramref name="cartId"/>, of the customer keyed <c>c-{customer}</c>.</summary>
    public static LedgerBatch Planned(string cartId, string customer) =>
        Of(Cart(cartId, customer), Step(cartId, 1, MessageEventKind.Planned, Morning));

    /// <summary>An event of step <paramref name="step"/> of <paramref name="owner"/>'s marketing messages in <paramref name="flow"/>.</summary>
    public static MessageEvent Step(
        string owner, int step, MessageEventKind kind, DateTimeOffset at, string? reason = null, string flow = FlowNames.CartAbandonment, string? variant = null) =>
        new() { At = at, MessageId = $"{owner}/{flow}/{step}", Flow = flow, Step = step, Marketing = true, Kind = kind, Reason = reason, Variant = variant };

    /// <summary>An order placed: 44.90 EUR, 40.00 of it the goods.</summary>
    public static OrderEvent Placed(DateTimeOffset at, decimal total = 44.90m, string? cartId = null) =>
        new() { At = at, Kind = OrderEventKind.Placed, Currency = Currency, Subtotal = total - 4.90m, Total = total, CartId = cartId };

    public static OrderEvent Paid(DateTimeOffset at) => new() { At = at, Kind = OrderEventKind.Paid };

    public static OrderEvent PaymentFailed(DateTimeOffset at, string reason) => new() { At = at, Kind = OrderEventKind.PaymentFailed, Reason = reason };

    public static OrderEvent Cancelled(DateTimeOffset at) => new() { At = at, Kind = OrderEventKind.Cancelled };

    /// <summary>An abandoned cart as the leads list shows it, at revision <paramref name="revision"/> of its grain.</summary>
    public static LedgerBatch CartLead(string cartId, string customer, long revision, int stepsSent, decimal total = 44.90m) => new(
        Cart(cartId, customer),
        [],
        new Lead
        {
            Type = Lead.CartType,
            Email = $"{customer}@example.com",
            FirstName = customer,
            Items = [new LeadItem("MUG-1", "Mug", 1, total)],
            Total = total,
            Currency = Currency,
            CreatedAt = Morning,
            LastActivityAt = Morning.AddHours(stepsSent),
            StepsSent = stepsSent,
            Outcome = LeadOutcome.Open,
        },
        revision);
}
