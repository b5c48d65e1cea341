using System.Globalization;
using Orleans.Recovery.Links;

namespace Orleans.Recovery.Coupons;

/// <summary>
/// Unique single-use codes such as <c>10OFF-7K3QX-9MPTA</c>. A code is a keyed hash of the message that carries it,
/// so a retried send carries the same code, and nobody without the signing key can guess one.
/// </summary>
public sealed class CouponCodes(LinkTokens links)
{
    // No 0/O, 1/I/L or U: codes are read from an email and typed into a checkout.
    private const string Alphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ";

    public string For(string messageId, decimal percentOff)
    {
        var hash = links.Derive("coupon", messageId);
        var value = BitConverter.ToUInt64(hash, 0);
        Span<char> code = stackalloc char[10];
        for (var i = 0; i < code.Length; i++)
        {
            code[i] = Alphabet[(int)(value % (ulong)Alphabet.Length)];
            value /= (ulong)Alphabet.Length;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{percentOff:0.##}OFF-{code[..5]}-{code[5..]}");
    }

    /// <summary>The code as we store it: trimmed and upper case, so a shopper's typing still matches.</summary>
    public static string Normalize(string code) => code.Trim().ToUpperInvariant();

    /// <summary>Plausible as a code: short, and only letters, digits, dots and hyphens.</summary>
    public static bool IsWellFormed(string? code) =>
        code is { Length: > 0 and <= 40 } && code.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.');
}
