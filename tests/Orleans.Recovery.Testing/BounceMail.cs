using System.Text;
using MimeKit;

namespace Orleans.Recovery.Testing;

/// <summary>The fixtures of Bounces/: what a bounce mailbox receives, with a real token where the return path was.</summary>
public static class BounceMail
{
    public const string Placeholder = "TOKEN-PLACEHOLDER";

    /// <summary>The raw bytes of <paramref name="name"/> (without .eml), the token put where the message's return path was.</summary>
    /// <param name="name">The fixture, without .eml.</param>
    /// <param name="token">Put where the message's return path was.</param>
    /// <param name="recipient">Put where the fixture names its recipient (ana@, ben@ or carla@example.com), when given.</param>
    public static byte[] Raw(string name, string token, string? recipient = null)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Bounces", $"{name}.eml")).Replace(Placeholder, token, StringComparison.Ordinal);
        if (recipient is not null)
        {
            foreach (var fixture in new[] { "ana@example.com", "ben@example.com", "carla@example.com" })
            {
                text = text.Replace(fixture, recipient, StringComparison.Ordinal);
            }
        }

        return Encoding.UTF8.GetBytes(text);
    }

    public static MimeMessage Load(string name, string token, string? recipient = null)
    {
        using var stream = new MemoryStream(Raw(name, token, recipient));
        return MimeMessage.Load(stream);
    }

    /// <summary>The token a message went out with, read from its envelope sender: bounces+{token}@domain.</summary>
    public static string TokenOf(string envelopeFrom)
    {
        var plus = envelopeFrom.IndexOf('+', StringComparison.Ordinal);
        var at = envelopeFrom.LastIndexOf('@');
        return plus >= 0 && at > plus ? envelopeFrom[(plus + 1)..at] : throw new ArgumentException($"No VERP token in {envelopeFrom}.", nameof(envelopeFrom));
    }
}
