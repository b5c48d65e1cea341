using Microsoft.Extensions.Options;
using MimeKit;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.Api.Customers;

/// <summary>
/// The messages to one address in the pickup directory, the embedded default's "sent" mail with no SMTP host: copies
/// of the shopper's name, cart and links that an export must list and an erase must delete. Each file's headers are
/// read, never its body.
/// </summary>
public sealed class PickupCopies(IOptions<SmtpOptions> smtp)
{
    /// <summary>The files addressed to <paramref name="email"/>, by name; none when mail goes to an SMTP relay.</summary>
    public IReadOnlyList<string> Of(string email)
    {
        var directory = smtp.Value.UsesPickupDirectory ? Path.GetFullPath(smtp.Value.PickupDirectory) : null;
        if (directory is null || !Directory.Exists(directory))
        {
            return [];
        }

        var address = email.Trim();
        return [.. Directory.EnumerateFiles(directory, "*.eml").Where(file => IsTo(file, address)).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
    }

    /// <summary>Deletes the files addressed to <paramref name="email"/>; returns how many.</summary>
    public int Erase(string email)
    {
        var directory = Path.GetFullPath(smtp.Value.PickupDirectory);
        var deleted = 0;
        foreach (var name in Of(email))
        {
            try
            {
                File.Delete(Path.Combine(directory, name));
                deleted++;
            }
            catch (FileNotFoundException)
            {
            }
        }

        return deleted;
    }

    private static bool IsTo(string file, string address)
    {
        try
        {
            using var stream = File.OpenRead(file);
            var headers = HeaderList.Load(stream);
            return new[] { "To", "Cc", "Bcc" }
                .Select(field => headers[field])
                .OfType<string>()
                .Any(value => InternetAddressList.TryParse(value, out var list)
                    && list.Mailboxes.Any(mailbox => string.Equals(mailbox.Address, address, StringComparison.OrdinalIgnoreCase)));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
        {
            // Being written (its temporary name is not *.eml) or gone: not a copy to list.
            return false;
        }
    }
}
