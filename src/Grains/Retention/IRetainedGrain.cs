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
