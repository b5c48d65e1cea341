using System.Text;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Money;

namespace Orleans.Recovery.Api.Validation;

/// <summary>A bare email address such as ana@example.com.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class EmailAttribute() : ValidationAttribute("The {0} field is not a valid email address.")
{
    public override bool IsValid(object? value) => value is null || (value is string text && SenderOptions.IsAddress(text));
}

/// <summary>An ISO 4217 currency code, such as EUR.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class CurrencyAttribute() : ValidationAttribute("The {0} field is not a known ISO 4217 currency code.")
{
    public override bool IsValid(object? value) => value is null || (value is string text && Currencies.IsKnown(text));
}

/// <summary>An absolute http or https URL: what a shopper's browser may safely follow. At most 2048 characters as ASCII.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class HttpUrlAttribute() : ValidationAttribute("The {0} field must be an absolute http or https URL of at most 2048 characters.")
{
    public override bool IsValid(object? value) =>
        value is null || (value is string { Length: <= 2048 } text && HttpUrls.TryNormalize(text, out var url) && url.Length <= 2048);
}

/// <summary>
/// URLs as the web and mail expect them: plain ASCII. Storefronts send IRIs (https://bücher.example/größe?ü=1), which
/// Kestrel refuses in a redirect's Location header and some mail clients break in a link.
/// </summary>
public static class HttpUrls
{
    /// <summary>An http or https IRI as a URI: its host in punycode, other non-ASCII characters percent-encoded as UTF-8.</summary>
    public static bool TryNormalize(string text, out string url)
    {
        url = "";
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo.Length > 0)
        {
            return false;
        }

        var host = uri.HostNameType == UriHostNameType.Dns ? uri.IdnHost : uri.Host;
        var port = uri.IsDefaultPort ? "" : $":{uri.Port}";
        url = $"{uri.Scheme}://{host}{port}{uri.GetComponents(UriComponents.PathAndQuery | UriComponents.Fragment, UriFormat.UriEscaped)}";
        return Ascii.IsValid(url);
    }

    /// <summary>The URI form of a URL that <see cref="HttpUrlAttribute"/> accepted.</summary>
    public static string Normalize(string text) =>
        TryNormalize(text, out var url) ? url : throw new ArgumentException($"'{text}' is not an absolute http or https URL.", nameof(text));
}

/// <summary>A list without null entries: JSON's <c>[{…}, null]</c> is not a list of items.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class NoNullItemsAttribute() : ValidationAttribute("The {0} field must not hold null entries.")
{
    public override bool IsValid(object? value) => value is not System.Collections.IEnumerable list || list.Cast<object?>().All(item => item is not null);
}

/// <summary>One line of text: no line breaks or other control characters, which could reach a mail header.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class SingleLineAttribute() : ValidationAttribute("The {0} field must be a single line of text.")
{
    public override bool IsValid(object? value) => value is null || (value is string text && !text.Any(char.IsControl));
}

/// <summary>A locale such as en, de-DE or en_GB.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class LocaleAttribute() : ValidationAttribute("The {0} field is not a known locale such as en or de-DE.")
{
    public override bool IsValid(object? value)
    {
        if (value is null)
        {
            return true;
        }

        try
        {
            return value is string { Length: > 0 and <= 35 } text
                && CultureInfo.GetCultureInfo(text.Replace('_', '-'), predefinedOnly: true).Name.Length > 0;
        }
        catch (CultureNotFoundException)
        {
            return false;
        }
    }
}

/// <summary>An IANA or Windows time-zone id, such as Europe/Berlin.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class TimeZoneAttribute() : ValidationAttribute("The {0} field is not a known time zone such as Europe/Berlin.")
{
    public override bool IsValid(object? value) => value is null || (value is string text && TimeZoneInfo.TryFindSystemTimeZoneById(text, out _));
}

/// <summary>An id from the storefront: printable, no spaces, at most 200 characters.</summary>
public static class Identifiers
{
    public static bool IsValid(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 200 && !id.Any(c => char.IsWhiteSpace(c) || char.IsControl(c));

    public const string Rule = "must be 1 to 200 characters without spaces or control characters.";

    /// <summary>An id that becomes one segment of a link or message id, such as a delay's: no slash either.</summary>
    public static bool IsSegment(string? id) => IsValid(id) && !id!.Contains('/');

    public const string SegmentRule = "must be 1 to 200 characters without spaces, control characters or slashes.";
}
