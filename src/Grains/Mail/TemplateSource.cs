using System.Text.RegularExpressions;
using Fluid;

namespace Orleans.Recovery.Mail;

/// <summary>
/// A template's Liquid source: parsed under <see cref="TemplateLimits"/>, or checked for what is wrong with it, in
/// words that name the line an operator looks for.
/// </summary>
internal static partial class TemplateSource
{
    private static readonly FluidParser _parser = new();

    private static readonly TemplateOptions _trial = Options(TemplateLimits.DefaultMaxOutputBytes);

    /// <summary>The parse error of a Liquid source, with its line and column; null when it parses.</summary>
    internal static string? ParseError(string source) => _parser.TryParse(source, out _, out var error) ? null : error;

    /// <summary>Parses under the limits: ranges check their length before Fluid builds them.</summary>
    internal static bool TryParse(string source, int maxOutputBytes, out IFluidTemplate template, out string error)
    {
        var parsed = _parser.TryParse(source, out var raw, out error);
        template = parsed ? TemplateLimits.Bounded(raw, maxOutputBytes) : raw;
        return parsed;
    }

    /// <summary>Parses under the limits, or throws naming <paramref name="what"/> and the line at fault.</summary>
    internal static IFluidTemplate Parse(string source, string what, int maxOutputBytes) =>
        TryParse(source, maxOutputBytes, out var template, out var error)
            ? template
            : throw new InvalidOperationException($"{what} does not parse{Line(error)}: {error}");

    /// <summary>
    /// Renders a source under the limits with no model, then with a sample cart and a sample order that fill every
    /// field a template can use (<see cref="TemplateSamples"/>); the reason when one of them fails. An empty model alone
    /// passes a loop over the cart's lines however costly each line is.
    /// </summary>
    internal static string? RenderError(string source, int maxOutputBytes)
    {
        var options = maxOutputBytes == TemplateLimits.DefaultMaxOutputBytes ? _trial : Options(maxOutputBytes);
        try
        {
            var template = TemplateLimits.Bounded(_parser.Parse(source), maxOutputBytes);
            foreach (var model in TemplateSamples.All)
            {
                var context = model is null ? new TemplateContext(options) : new TemplateContext(model, options);
                using var writer = TemplateLimits.Writer(maxOutputBytes);
                Run(template.RenderAsync(writer, context, NullEncoder.Default, isolateContext: true));
            }

            return null;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // A filter can fail in many ways (a division by zero, a bad date); each is a reason to refuse the template.
            return exception.Message;
        }
    }

    /// <summary>Options under the limits, with the models' properties in camelCase (<c>cart.items</c>, <c>firstName</c>).</summary>
    internal static TemplateOptions Options(int maxOutputBytes)
    {
        var options = TemplateLimits.Options(maxOutputBytes);
        options.MemberAccessStrategy = new UnsafeMemberAccessStrategy { MemberNameStrategy = MemberNameStrategies.CamelCase };
        return options;
    }

    internal static void Run(ValueTask rendering)
    {
        if (!rendering.IsCompletedSuccessfully)
        {
            // Nothing in a template waits on I/O (there are no includes), so this completes at once in practice.
            rendering.AsTask().GetAwaiter().GetResult();
        }
    }

    // Fluid reports positions as "(line:column)"; operators look for the line.
    internal static string Line(string error) => Position().Match(error) is { Success: true } match ? $", line {match.Groups[1].Value}" : "";

    [GeneratedRegex(@"\((\d+):(\d+)\)")]
    private static partial Regex Position();
}
