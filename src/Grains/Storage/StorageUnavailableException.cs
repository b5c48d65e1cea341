namespace Orleans.Recovery.Storage;

/// <summary>
/// A call could not store its change because the database (or the reminder table in it) failed. Nothing of the call
/// stays in memory: the grain's activation is gone, and the caller's retry applies the change again.
/// </summary>
[GenerateSerializer, Alias("storage-unavailable")]
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException(string reason)
        : base($"The database did not take the change ({reason}); nothing was kept. Retry shortly.") => Reason = reason;

    /// <summary>What the database said, without the call's data: for the operator's log.</summary>
    [Id(0)]
    public string Reason { get; }
}
