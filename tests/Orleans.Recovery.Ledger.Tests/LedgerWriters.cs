using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Orleans.Recovery.Ledger.Tests;

/// <summary>Ledger writers as a silo makes them, on a database a test chose.</summary>
internal static class LedgerWriters
{
    public static SqlLedger On(LedgerDatabase database, int capacity = SqlLedger.DefaultCapacity) =>
        new(database, new ServiceCollection().AddOptions().BuildServiceProvider().GetRequiredService<IOptionsMonitor<AttributionOptions>>(),
            NullLogger<SqlLedger>.Instance, capacity: capacity);
}
