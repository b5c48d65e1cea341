using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Orleans.Recovery.Mail;

/// <summary>Writes each message as an .eml file, for running without an SMTP relay.</summary>
public sealed class PickupDirectoryMailTransport(IOptions<SmtpOptions> options) : IMailTransport
{
    private readonly string _directory = Path.GetFullPath(options.Value.PickupDirectory);

    public string Name => $"pickup directory {_directory}";

    public async Task SendAsync(MimeMessage message, MailboxAddress? returnPath, HandOff handOff, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(_directory);
        if (await handOff.LastCheck(cancellationToken) is { } reason)
        {
            throw new HandOffWithheldException(reason);
        }

        // Named after the Message-ID so a redelivery replaces the file instead of adding a second one; written to a
        // temporary name first so a reader never sees half a message.
        var name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(message.MessageId ?? Guid.NewGuid().ToString())).AsSpan(0, 12));
        var path = Path.Combine(_directory, $"{name}.eml");
        var temporary = path + ".tmp";
        if (returnPath is not null)
        {
            // Where a relay would put the envelope sender once it delivers: the file shows where its bounces would go.
            message.Headers.Insert(0, HeaderId.ReturnPath, $"<{returnPath.Address}>");
        }

        await message.WriteToAsync(temporary, CancellationToken.None);
        File.Move(temporary, path, overwrite: true);
    }

    public Task<bool> IsReachableAsync(CancellationToken cancellationToken)
    {
        try
        {
            System.IO.Directory.CreateDirectory(_directory);
            return Task.FromResult(true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return Task.FromResult(false);
        }
    }
}
