using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Grains.Tests.Ledger;

/// <summary>Ledger writers as a silo makes them, on a database a test chose, and the batch a new cart appends.</summary>
internal static class LedgerWriters
{
    public static readonly DateTimeOffset Morning = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    public static SqlLedger On(LedgerDatabase database, int capacity = SqlLedger.DefaultCapacity) =>
        new(database, new ServiceCollection().AddOptions().BuildServiceProvider().GetRequiredService<IOptionsMonitor<AttributionOptions>>(),
            NullLogger<SqlLedger>.Instance, capacity: capacity);

    /// <summary>The planned first step of cart <paramref name="cartId"/>, of the customer keyed <c>c-{customer}</c>.</summary>
    public static LedgerBatch Planned(string cartId, string customer) => new(
        new LedgerOwner(LedgerOwner.Cart, cartId, $"c-{customer}"),
        [new MessageEvent { At = Morning, MessageId = $"{cartId}/{FlowNames.CartAbandonment}/1", Flow = FlowNames.CartAbandonment, Step = 1, Marketing = true, Kind = MessageEventKind.Planned }]);
}
