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

    /// <summary><c>Recovery:Sender:Signature</c>: the person who signs the mail; none by default, and the shop signs.</summary>
    public SignatureOptions Signature { get; set; } = new();

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

        foreach (var problem in Signature.Validate($"{Section}:Signature"))
        {
            yield return problem;
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

/// <summary>
/// A named person who signs the mail ("Jill Magso, Customer Happiness Manager"), as the practice the product follows
/// has it: a reply reaches them, and the From line can carry their name at the shop's.
/// </summary>
public sealed class SignatureOptions
{
    /// <summary>Who signs; empty, and the shop signs as before.</summary>
    public string? Name { get; set; }

    public string? Role { get; set; }

    /// <summary>A small portrait beside the signature, over HTTPS; optional.</summary>
    public string? PhotoUrl { get; set; }

    /// <summary>Where a reply reaches them; <c>Recovery:Sender:ReplyTo</c> when empty.</summary>
    public string? ReplyTo { get; set; }

    /// <summary>The From line reads "Jill Magso at Sample Shop" ("… von …" in German) rather than the shop alone.</summary>
    public bool InFrom { get; set; }

    public bool IsSet => !string.IsNullOrWhiteSpace(Name);

    public IEnumerable<ValidationResult> Validate(string section)
    {
        foreach (var (key, value) in new[] { (nameof(Name), Name), (nameof(Role), Role) })
        {
            if (value is not null && (value.Length > 64 || value.Any(char.IsControl)))
            {
                yield return new ValidationResult($"{section}:{key} must be a single line of at most 64 characters.", [key]);
            }
        }

        if (!IsSet && (!string.IsNullOrWhiteSpace(Role) || !string.IsNullOrWhiteSpace(PhotoUrl) || !string.IsNullOrWhiteSpace(ReplyTo) || InFrom))
        {
            yield return new ValidationResult($"{section}:Name is needed for the rest of the signature: who signs?", [nameof(Name)]);
        }

        if (!string.IsNullOrWhiteSpace(PhotoUrl) && !(Uri.TryCreate(PhotoUrl, UriKind.Absolute, out var photo) && photo.Scheme == Uri.UriSchemeHttps))
        {
            yield return new ValidationResult($"{section}:PhotoUrl must be an absolute https URL, such as https://shop.example/jill.jpg.", [nameof(PhotoUrl)]);
        }

        if (!string.IsNullOrWhiteSpace(ReplyTo) && !SenderOptions.IsAddress(ReplyTo))
        {
            yield return new ValidationResult($"{section}:ReplyTo must be an email address that reaches {Name ?? "the person who signs"}.", [nameof(ReplyTo)]);
        }
    }
}
