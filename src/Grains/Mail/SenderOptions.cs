using System.ComponentModel.DataAnnotations;
using MimeKit;

namespace Orleans.Recovery.Mail;

/// <summary>Who the mail comes from and how the shopper reaches a person, bound from <c>Recovery:Sender</c>.</summary>
public sealed class SenderOptions : IValidatableObject
{
    public const string Section = "Recovery:Sender";

    public string FromName { get; set; } = "Sample Shop";

    public string FromAddress { get; set; } = "shop@example.com";

    public string ReplyTo { get; set; } = "support@example.com";

    public string SupportPhone { get; set; } = "+1 555 0100";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsAddress(FromAddress))
        {
            yield return new ValidationResult($"{Section}:FromAddress must be an email address.", [nameof(FromAddress)]);
        }

        if (!IsAddress(ReplyTo))
        {
            yield return new ValidationResult($"{Section}:ReplyTo must be an email address that reaches a person.", [nameof(ReplyTo)]);
        }

        if (string.IsNullOrWhiteSpace(FromName) || FromName.Any(char.IsControl))
        {
            yield return new ValidationResult($"{Section}:FromName must be a single line of text.", [nameof(FromName)]);
        }
    }

    /// <summary>A bare address such as shop@example.com: one @, no display name, no spaces or control characters.</summary>
    public static bool IsAddress(string? value) =>
        !string.IsNullOrWhiteSpace(value)
        && value.Length <= 254
        && !value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>' or ',' or ';' or '"')
        && value.IndexOf('@') is var at && at > 0 && at == value.LastIndexOf('@') && at < value.Length - 1
        && MailboxAddress.TryParse(value, out var mailbox) && mailbox.Address == value;
}
