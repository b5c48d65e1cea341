using Orleans.Providers;
using Orleans.Recovery.Customers;

namespace Orleans.Recovery.Ledger;

/// <summary>
/// Each silo's answer to "which carts and orders of this customer has your ledger writer been handed and not committed?"
/// (<see cref="SqlLedger.UncommittedOf"/>), asked of every silo at once through the management grain's control channel.
/// A snapshot is acknowledged before the ledger commits what it planned, and no customer grain is told of a new cart:
/// without this, an erase or export right after a report, or after a database outage that failed the ledger's append,
/// would not find the cart.
/// </summary>
public sealed class UncommittedHoldings(SqlLedger ledger) : IControllable
{
    /// <summary>The name the control is registered under on each silo.</summary>
    public const string Name = "recovery-uncommitted-holdings";

    private const int OfCustomer = 1;

    public Task<object?> ExecuteCommand(int command, object? arg)
    {
        if (command != OfCustomer || arg is not string customerKey)
        {
            throw new ArgumentOutOfRangeException(nameof(command), command, "Unknown command, or no customer key.");
        }

        var owners = ledger.UncommittedOf(customerKey);
        return Task.FromResult<object?>(new CustomerHoldings(
            [.. owners.Where(owner => owner.Kind == LedgerOwner.Cart).Select(owner => owner.Id)],
            [.. owners.Where(owner => owner.Kind == LedgerOwner.Order).Select(owner => owner.Id)]));
    }

    /// <summary>
    /// The carts and orders of <paramref name="customerKey"/> that some silo's ledger writer has not committed. Asked
    /// before the ledger is read: what is committed after this answer is in what the ledger returns then.
    /// </summary>
    public static async Task<CustomerHoldings> InClusterAsync(IGrainFactory grains, string customerKey)
    {
        object?[] answers;
        try
        {
            answers = await grains.GetGrain<IManagementGrain>(0).SendControlCommandToProvider<UncommittedHoldings>(Name, OfCustomer, customerKey);
        }
        catch (ArgumentException exception) when (exception.Message.Contains(Name, StringComparison.Ordinal))
        {
            // A silo without this control (one of an earlier version, in a rolling upgrade that reached the API first)
            // cannot say what its writer holds, so nothing can be known complete: refused as for a silo that is away,
            // which the API retries and then answers 503, before anything was changed.
            throw new SiloUnavailableException($"A silo cannot list the carts and orders its ledger writer has not committed ({exception.Message}); try again once every silo runs this version.");
        }

        return answers.OfType<CustomerHoldings>().Aggregate(new CustomerHoldings([], []), (all, silo) => all.With(silo));
    }
}
