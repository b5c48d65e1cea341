using System.Collections.Concurrent;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using Fluid;
using Fluid.Values;

namespace Orleans.Recovery.Mail;

/// <summary>A rendered message body: subject, HTML and plain text.</summary>
[GenerateSerializer, Immutable, Alias("rendered-mail")]
public sealed record RenderedMail([property: Id(0)] string Subject, [property: Id(1)] string Html, [property: Id(2)] string Text);

/// <summary>
/// Renders Liquid templates (Fluid), <c>{language}/{name}.{subject|html|text}.liquid</c>, from what the
/// <see cref="TemplateStore"/> last loaded: built in, or the operator's files, whose edits the store picks up while the
/// process runs. A render reads no file. HTML parts are rendered with HTML encoding, so personalisation can never
/// inject markup.
/// </summary>
public sealed partial class MailTemplates(TemplateStore store)
{
    public static readonly IReadOnlyList<string> Parts = ["subject", "html", "text"];

    /// <summary>Distinct variant subjects kept parsed; past this the cache starts afresh (operators replace flows rarely).</summary>
    private const int MaxParsedSubjects = 512;

    private const string LayoutVariable = "layout";

    // Escapes markup (< > & " ') but leaves letters such as ä and € readable in the HTML source.
    private static readonly HtmlEncoder _html = HtmlEncoder.Create(UnicodeRanges.All);

    private readonly ConcurrentDictionary<string, IFluidTemplate> _subjects = new(StringComparer.Ordinal);
    private readonly TemplateOptions _options = TemplateSource.Options(store.MaxOutputBytes);
    private readonly int _maxOutputBytes = store.MaxOutputBytes;

    /// <summary>The built-in templates alone, as shipped.</summary>
    public MailTemplates()
        : this(new TemplateStore())
    {
    }

    /// <summary>
    /// Renders the three parts; <paramref name="subject"/>, when given, is Liquid that replaces the template's subject.
    /// A render that passes a limit throws <see cref="TemplateLimitException"/>, having kept at most a few times
    /// <c>Recovery:Templates:MaxOutputBytes</c> in memory.
    /// </summary>
    public RenderedMail Render(string language, string name, object model, string? subject = null)
    {
        // One snapshot for the whole message: a reload meanwhile must not mix an old layout with a new template.
        var templates = store.Current;
        var subjectTemplate = subject is null ? templates.Template(language, name, "subject") : Subject(subject);

        // A context per part: what the HTML part assigns (a footer note, HTML-encoded) must not reach the text part.
        var rendered = new RenderedMail(
            MimeMessages.SingleLine(Limited(subjectTemplate, new TemplateContext(model, _options), NullEncoder.Default, isolateContext: true)),
            Part(templates, new TemplateContext(model, _options), language, name, "html", _html),
            Part(templates, new TemplateContext(model, _options), language, name, "text", NullEncoder.Default));
        if (Encoding.UTF8.GetByteCount(rendered.Subject) + Encoding.UTF8.GetByteCount(rendered.Html) + Encoding.UTF8.GetByteCount(rendered.Text) > _maxOutputBytes)
        {
            throw TemplateLimits.Exceeded($"the message {language}/{name}", _maxOutputBytes);
        }

        return rendered;
    }

    /// <summary>Renders a page behind a link, <c>{language}/{name}.html.liquid</c>, which has an HTML part only.</summary>
    public string RenderPage(string language, string name, object model) =>
        Part(store.Current, new TemplateContext(model, _options), language, name, "html", _html);

    /// <summary>True when <paramref name="name"/> has all three parts in every language, built in or as files.</summary>
    public bool Exists(string name) => store.Current.Exists(name);

    /// <summary>
    /// What is wrong with a variant's Liquid subject: it does not parse, or rendering it alone already exceeds the
    /// limits (a loop over a literal range does that whatever the cart). Null when it is fine.
    /// </summary>
    public static string? SubjectError(string subject) => TemplateSource.ParseError(subject) is { } error
        ? $"is not a valid Liquid template: {error}"
        : TemplateSource.RenderError(subject, TemplateLimits.DefaultMaxOutputBytes) is { } limit ? $"cannot be rendered: {limit}" : null;

    /// <summary>Renders into a writer that stops at the output limit, so a runaway loop never builds its whole text.</summary>
    private string Limited(IFluidTemplate template, TemplateContext context, TextEncoder encoder, bool isolateContext)
    {
        using var writer = TemplateLimits.Writer(_maxOutputBytes);
        TemplateSource.Run(template.RenderAsync(writer, context, encoder, isolateContext));
        return writer.ToString();
    }

    /// <summary>
    /// Renders one part. A template that assigns <c>layout</c> (<c>{% assign layout = 'mail-layout' %}</c>) is placed
    /// in that template's same part as <c>content</c>, with every variable it assigned (a preheader, a title) still
    /// set: the header, signature and footer are then written once per language, not in every template. A template
    /// that assigns none, as operators' full documents from before layouts, is used as it is.
    /// </summary>
    private string Part(TemplateSnapshot templates, TemplateContext context, string language, string name, string part, TextEncoder encoder)
    {
        var content = Limited(templates.Template(language, name, part), context, encoder, isolateContext: false);
        if (context.GetValue(LayoutVariable) is not StringValue { } chosen || chosen.ToStringValue() is not { Length: > 0 } layout)
        {
            return content;
        }

        if (layout == name || !LayoutName().IsMatch(layout))
        {
            throw new InvalidOperationException($"{language}/{name}.{part}.liquid names the layout '{layout}', which is not another template's name.");
        }

        context.SetValue(LayoutVariable, NilValue.Instance);
        context.SetValue("content", new StringValue(content, encode: false));
        return Limited(templates.Template(language, layout, part), context, encoder, isolateContext: true);
    }

    /// <summary>A variant's subject, parsed once and kept: it is rendered for every message of its step.</summary>
    private IFluidTemplate Subject(string subject)
    {
        if (_subjects.TryGetValue(subject, out var parsed))
        {
            return parsed;
        }

        if (_subjects.Count >= MaxParsedSubjects)
        {
            _subjects.Clear();
        }

        return _subjects[subject] = TemplateSource.Parse(subject, "the variant's subject", _maxOutputBytes);
    }

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex LayoutName();
}
