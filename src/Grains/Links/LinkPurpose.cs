namespace Orleans.Recovery.Links;

/// <summary>What a signed link does; a token made for one purpose is refused for any other.</summary>
public enum LinkPurpose
{
    /// <summary>/r/{token}: restore the cart. The subject is the cart id and the message id.</summary>
    Recover = 'r',

    /// <summary>/u/{token}: unsubscribe. The subject is the customer key.</summary>
    Unsubscribe = 'u',
}
