namespace Orleans.Recovery.Links;

/// <summary>What a signed link does; a token made for one purpose is refused for any other.</summary>
public enum LinkPurpose
{
    /// <summary>/r/{token}: restore the cart. The payload is the cart id and the message id.</summary>
    Recover = 'r',

    /// <summary>/u/{token}: unsubscribe. The payload is the customer key.</summary>
    Unsubscribe = 'u',

    /// <summary>/d/{token}?choice=…: the answer to a delay notice. The payload is the notice's message id.</summary>
    DelayChoice = 'd',

    /// <summary>/f/{token}?rating=n: a rating from a review request. The payload is the request's message id.</summary>
    Feedback = 'f',

    /// <summary>/n/{token}: the newsletter opt-in page. The payload is the customer key.</summary>
    Newsletter = 'n',

    /// <summary>
    /// No link: the token in a message's return path (VERP) and ESP metadata, which a bounce or complaint brings back.
    /// The payload is the message id.
    /// </summary>
    Bounce = 'b',
}
