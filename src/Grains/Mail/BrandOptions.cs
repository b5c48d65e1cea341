using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Orleans.Recovery.Mail;

/// <summary>
/// How the shop looks on every email and every page behind a link, bound from <c>Recovery:Brand</c>. The defaults are
/// neutral: the sender's name as text, no logo, a dark grey accent and no footer.
/// </summary>
public sealed class BrandOptions : IValidatableObject
{
    public const string Section = "Recovery:Brand";

    public const string NeutralColor = "#374151";

    private const int MinLogoWidth = 16;
    private const int MaxLogoWidth = 240;

    /// <summary>The shop's name as shown in headers and sentences; <c>Recovery:Sender:FromName</c> when empty.</summary>
    public string? Name { get; set; }

    /// <summary>An absolute https URL of the logo, shown 40 px high with the name as its alt text.</summary>
    public string? LogoUrl { get; set; }

    /// <summary>
    /// The logo's width in pixels at 40 px high. With it the logo's box is fixed before the image loads, in Outlook too,
    /// which ignores CSS sizes; without it the width follows the image.
    /// </summary>
    public int? LogoWidth { get; set; }

    /// <summary>The accent for buttons and the header rule, as #rgb or #rrggbb.</summary>
    public string PrimaryColor { get; set; } = NeutralColor;

    /// <summary>The address and imprint under every email and page; line breaks are kept.</summary>
    public string? FooterText { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Name is not null && (Name.Length > 64 || Name.Any(char.IsControl)))
        {
            yield return new ValidationResult($"{Section}:Name must be a single line of at most 64 characters.", [nameof(Name)]);
        }

        if (!string.IsNullOrWhiteSpace(LogoUrl) && !(Uri.TryCreate(LogoUrl, UriKind.Absolute, out var logo) && logo.Scheme == Uri.UriSchemeHttps))
        {
            yield return new ValidationResult($"{Section}:LogoUrl must be an absolute https URL, such as https://shop.example/logo.png.", [nameof(LogoUrl)]);
        }

        if (LogoWidth is < MinLogoWidth or > MaxLogoWidth)
        {
            yield return new ValidationResult($"{Section}:LogoWidth must be a width in pixels from {MinLogoWidth} to {MaxLogoWidth}.", [nameof(LogoWidth)]);
        }

        if (Rgb(PrimaryColor) is null)
        {
            yield return new ValidationResult($"{Section}:PrimaryColor must be a colour written #rgb or #rrggbb, such as #0b5fff.", [nameof(PrimaryColor)]);
        }

        if (FooterText is not null && (FooterText.Length > 1000 || FooterText.Any(c => char.IsControl(c) && c is not '\n' and not '\r')))
        {
            yield return new ValidationResult($"{Section}:FooterText must be plain text of at most 1000 characters.", [nameof(FooterText)]);
        }
    }

    /// <summary>What templates see, with the name resolved against <paramref name="sender"/>.</summary>
    public BrandModel Model(SenderOptions sender)
    {
        var color = Rgb(PrimaryColor) ?? Rgb(NeutralColor)!.Value;
        return new BrandModel(
            string.IsNullOrWhiteSpace(Name) ? sender.FromName : Name.Trim(),
            string.IsNullOrWhiteSpace(LogoUrl) ? null : LogoUrl.Trim(),
            string.IsNullOrWhiteSpace(LogoUrl) ? null : LogoWidth,
            string.Create(CultureInfo.InvariantCulture, $"#{color.R:x2}{color.G:x2}{color.B:x2}"),
            ReadableOn(color),
            string.IsNullOrWhiteSpace(FooterText) ? null : FooterText.Trim().ReplaceLineEndings("\n"));
    }

    /// <summary>
    /// Black or white, whichever reads better on the accent: the WCAG contrast ratio of each against it, the higher
    /// one wins. A shop's pale brand colour then still gets legible button text.
    /// </summary>
    public static string ReadableOn((byte R, byte G, byte B) color)
    {
        static double Channel(byte value) => value / 255.0 is var c && c <= 0.03928 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
        var luminance = 0.2126 * Channel(color.R) + 0.7152 * Channel(color.G) + 0.0722 * Channel(color.B);
        return (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.05) ? "#ffffff" : "#111111";
    }

    /// <summary>The colour of #rgb or #rrggbb; null for anything else, names and rgb() included.</summary>
    public static (byte R, byte G, byte B)? Rgb(string? text)
    {
        if (text is null || text.Length is not (4 or 7) || text[0] != '#' || !text.Skip(1).All(Uri.IsHexDigit))
        {
            return null;
        }

        var hex = text.Length == 4 ? string.Concat(text[1], text[1], text[2], text[2], text[3], text[3]) : text[1..];
        var value = int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return ((byte)(value >> 16), (byte)(value >> 8), (byte)value);
    }
}

/// <summary>
/// The brand as templates use it: <c>brand.name</c>, <c>brand.logoUrl</c>, <c>brand.logoWidth</c>, <c>brand.primaryColor</c>,
/// <c>brand.onPrimary</c>, <c>brand.footerText</c>.
/// </summary>
public sealed record BrandModel(string Name, string? LogoUrl, int? LogoWidth, string PrimaryColor, string OnPrimary, string? FooterText)
{
    /// <summary>The footer's lines, for HTML: each is encoded and joined with a line break by the template.</summary>
    public IReadOnlyList<string> FooterLines => FooterText?.Split('\n') ?? [];
}
