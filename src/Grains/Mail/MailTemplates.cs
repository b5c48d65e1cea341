using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Fluid;

namespace Orleans.Recovery.Mail;

/// <summary>A rendered message body: subject, HTML and plain text.</summary>
public sealed record RenderedMail(string Subject, string Html, string Text);

/// <summary>
/// Liquid templates (Fluid), <c>{language}/{name}.{subject|html|text}.liquid</c>, shipped inside this assembly.
/// HTML parts are rendered with HTML encoding, so personalisation can never inject markup.
/// </summary>
public sealed class MailTemplates
{
    private static readonly FluidParser _parser = new();
    private readonly ConcurrentDictionary<string, IFluidTemplate> _cache = new();
    // Escapes markup (< > & " ') but leaves letters such as ä and € readable in the HTML source.
    private static readonly HtmlEncoder _html = HtmlEncoder.Create(UnicodeRanges.All);
    private readonly TemplateOptions _options = new();

    public MailTemplates()
    {
        _options.MemberAccessStrategy = new UnsafeMemberAccessStrategy { MemberNameStrategy = MemberNameStrategies.CamelCase };
    }

    public RenderedMail Render(string language, string name, object model)
    {
        var context = new TemplateContext(model, _options);
        return new RenderedMail(
            MimeMessages.SingleLine(Template(language, name, "subject").Render(context, NullEncoder.Default)),
            Template(language, name, "html").Render(context, _html),
            Template(language, name, "text").Render(context, NullEncoder.Default));
    }

    private IFluidTemplate Template(string language, string name, string part) =>
        _cache.GetOrAdd($"{language}/{name}.{part}", key =>
        {
            var name = $"templates/{key}.liquid";
            using var stream = typeof(MailTemplates).Assembly.GetManifestResourceStream(name)
                ?? throw new InvalidOperationException($"No template {name} is built into {typeof(MailTemplates).Assembly.GetName().Name}.");
            using var reader = new StreamReader(stream);
            if (!_parser.TryParse(reader.ReadToEnd(), out var template, out var error))
            {
                throw new InvalidOperationException($"Template {name} does not parse: {error}");
            }

            return template;
        });
}
