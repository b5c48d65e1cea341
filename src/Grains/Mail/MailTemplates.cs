using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using Fluid;

namespace Orleans.Recovery.Mail;

/// <summary>A rendered message body: subject, HTML and plain text.</summary>
public sealed record RenderedMail(string Subject, string Html, string Text);

/// <summary>
/// Liquid templates (Fluid) under <c>Templates/{language}/{name}.{subject|html|text}.liquid</c> beside the binaries.
/// HTML parts are rendered with HTML encoding, so personalisation can never inject markup.
/// </summary>
public sealed class MailTemplates
{
    private static readonly FluidParser _parser = new();
    private readonly ConcurrentDictionary<string, IFluidTemplate> _cache = new();
    private readonly TemplateOptions _options = new();
    private readonly string _root;

    public MailTemplates(string? root = null)
    {
        _root = root ?? Path.Combine(AppContext.BaseDirectory, "Templates");
        _options.MemberAccessStrategy = new UnsafeMemberAccessStrategy { MemberNameStrategy = MemberNameStrategies.CamelCase };
    }

    public RenderedMail Render(string language, string name, object model)
    {
        var context = new TemplateContext(model, _options);
        return new RenderedMail(
            MimeMessages.SingleLine(Template(language, name, "subject").Render(context, NullEncoder.Default)),
            Template(language, name, "html").Render(context, HtmlEncoder.Default),
            Template(language, name, "text").Render(context, NullEncoder.Default));
    }

    private IFluidTemplate Template(string language, string name, string part) =>
        _cache.GetOrAdd($"{language}/{name}.{part}", key =>
        {
            var path = Path.Combine(_root, $"{key}.liquid");
            if (!_parser.TryParse(File.ReadAllText(path), out var template, out var error))
            {
                throw new InvalidOperationException($"Template {path} does not parse: {error}");
            }

            return template;
        });
}
