namespace Orleans.Recovery.Mail;

/// <summary>Delivers one message, keyed by its stable message id.</summary>
public interface IMailGrain : IGrainWithStringKey
{
    /// <summary>Hands the message to the mail transport, unless this message id was already delivered.</summary>
    Task<DeliveryResult> DeliverAsync(OutgoingMail mail);
}
