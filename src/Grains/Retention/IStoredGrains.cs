namespace Orleans.Recovery.Retention;

/// <summary>A stored grain the retention sweep may ask to forget itself.</summary>
public sealed record StoredGrain(string Type, string Key);

/// <summary>What grain storage holds, as the retention sweep reads it: our own SQL over our own schema.</summary>
public interface IStoredGrains
{
    /// <summary>Carts, orders and coupons whose stored state has not changed since <paramref name="cutoff"/>.</summary>
    IAsyncEnumerable<StoredGrain> UnchangedSinceAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);

    /// <summary>Deletes rows no grain reads any more (the delivered marks of the retired mail grain) unchanged since <paramref name="cutoff"/>; returns how many.</summary>
    Task<int> DeleteRetiredAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}

/// <summary>State kept in the silo's memory is gone with it: nothing to sweep.</summary>
public sealed class NoStoredGrains : IStoredGrains
{
    public async IAsyncEnumerable<StoredGrain> UnchangedSinceAsync(DateTimeOffset cutoff, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        yield break;
    }

    public Task<int> DeleteRetiredAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) => Task.FromResult(0);
}
