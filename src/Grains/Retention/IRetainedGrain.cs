namespace Orleans.Recovery.Retention;

/// <summary>A grain that holds personal data only as long as <see cref="RetentionOptions.After"/> allows.</summary>
public interface IRetainedGrain : IGrainWithStringKey
{
    /// <summary>
    /// Clears the grain's state and its reminder when nothing is pending and nothing happened for
    /// <c>Recovery:Retention:After</c>; true when it did. Suppressions and unsubscribes live with the customer and stay.
    /// </summary>
    Task<bool> ForgetIfRetiredAsync();
}

/// <summary>A grain that holds a customer's personal data and forgets it on the operator's request (GDPR erasure).</summary>
public interface IErasableGrain : IGrainWithStringKey
{
    /// <summary>
    /// Withdraws what is still owed (logged skipped as erased, so the ledger's counts stay whole), removes the reminder and
    /// clears the state, at once.
    /// </summary>
    Task EraseAsync();
}
