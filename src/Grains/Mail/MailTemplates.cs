using System.Collections.Concurrent;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using Fluid;
using Fluid.Values;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Orleans.Recovery.Mail;

/// <summary>A rendered message body: subject, HTML and plain text.</summary>
[GenerateSerializer, Immutable, Alias("rendered-mail")]
public sealed record RenderedMail([property: Id(0)] string Subject, [property: Id(1)] string Html, [property: Id(2)] string Text);

/// <summary>
/// Liquid templates (Fluid), <c>{language}/{name}.{subject|html|text}.liquid</c>: built into this assembly, and
/// replaceable by files in the operator's template directory. An edited file is picked up on its next use; an edit
/// that does not parse is logged with its file and line, and the last good version keeps being used.
/// HTML parts are rendered with HTML encoding, so personalisation can never inject markup.
/// </summary>
public sealed partial class MailTemplates
{
    public static readonly IReadOnlyList<string> Parts = ["subject", "html", "text"];

    private static readonly FluidParser _parser = new();

    /// <summary>Distinct variant subjects kept parsed; past this the cache starts afresh (operators replace flows rarely).</summary>
    private const int MaxParsedSubjects = 512;

    private static readonly TemplateOptions _trial = Options(TemplateLimits.DefaultMaxOutputBytes);

    // Escapes markup (< > & " ') but leaves letters such as ä and € readable in the HTML source.
    private static readonly HtmlEncoder _html = HtmlEncoder.Create(UnicodeRanges.All);

    private readonly ConcurrentDictionary<string, Loaded> _cache = new();
    private readonly ConcurrentDictionary<string, IFluidTemplate> _subjects = new(StringComparer.Ordinal);
    private readonly TemplateOptions _options;
    private readonly int _maxOutputBytes;
    private readonly string? _directory;
    private readonly ILogger _logger;

    public MailTemplates(IOptions<MailTemplateOptions>? options = null, ILogger<MailTemplates>? logger = null)
    {
        _maxOutputBytes = options?.Value.MaxOutputBytes ?? TemplateLimits.DefaultMaxOutputBytes;
        _options = Options(_maxOutputBytes);
        _directory = options?.Value.Directory is { Length: > 0 } directory ? Path.GetFullPath(directory) : null;
        _logger = logger ?? NullLogger<MailTemplates>.Instance;
    }

    /// <summary>
    /// Renders the three parts; <paramref name="subject"/>, when given, is Liquid that replaces the template's subject.
    /// A render that passes a limit throws <see cref="TemplateLimitException"/>, having kept at most a few times
    /// <c>Recovery:Templates:MaxOutputBytes</c> in memory.
    /// </summary>
    public RenderedMail Render(string language, string name, object model, string? subject = null)
    {
        var subjectTemplate = subject is null ? Template(language, name, "subject") : Subject(subject);

        // A context per part: what the HTML part assigns (a footer note, HTML-encoded) must not reach the text part.
        var rendered = new RenderedMail(
            MimeMessages.SingleLine(Limited(subjectTemplate, new TemplateContext(model, _options), NullEncoder.Default, isolateContext: true)),
            Part(new TemplateContext(model, _options), language, name, "html", _html),
            Part(new TemplateContext(model, _options), language, name, "text", NullEncoder.Default));
        if (Encoding.UTF8.GetByteCount(rendered.Subject) + Encoding.UTF8.GetByteCount(rendered.Html) + Encoding.UTF8.GetByteCount(rendered.Text) > _maxOutputBytes)
        {
            throw TemplateLimits.Exceeded($"the message {language}/{name}", _maxOutputBytes);
        }

        return rendered;
    }

    /// <summary>Renders a page behind a link, <c>{language}/{name}.html.liquid</c>, which has an HTML part only.</summary>
    public string RenderPage(string language, string name, object model) =>
        Part(new TemplateContext(model, _options), language, name, "html", _html);

    /// <summary>Renders into a writer that stops at the output limit, so a runaway loop never builds its whole text.</summary>
    private string Limited(IFluidTemplate template, TemplateContext context, TextEncoder encoder, bool isolateContext)
    {
        using var writer = TemplateLimits.Writer(_maxOutputBytes);
        Run(template.RenderAsync(writer, context, encoder, isolateContext));
        return writer.ToString();
    }

    private static void Run(ValueTask rendering)
    {
        if (!rendering.IsCompletedSuccessfully)
        {
            // Nothing in a template waits on I/O (there are no includes), so this completes at once in practice.
            rendering.AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Renders one part. A template that assigns <c>layout</c> (<c>{% assign layout = 'mail-layout' %}</c>) is placed
    /// in that template's same part as <c>content</c>, with every variable it assigned (a preheader, a title) still
    /// set: the header, signature and footer are then written once per language, not in every template. A template
    /// that assigns none, as operators' full documents from before layouts, is used as it is.
    /// </summary>
    private string Part(TemplateContext context, string language, string name, string part, TextEncoder encoder)
    {
        var content = Limited(Template(language, name, part), context, encoder, isolateContext: false);
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
        return Limited(Template(language, layout, part), context, encoder, isolateContext: true);
    }

    private const string LayoutVariable = "layout";

    /// <summary>True when <paramref name="name"/> has all three parts in every language, built in or as files.</summary>
    public bool Exists(string name) =>
        MailLocale.Languages.All(language => Parts.All(part => FilePath(language, name, part) is { } file && File.Exists(file) || BuiltIn(language, name, part) is not null));

    /// <summary>The parse error of a Liquid source, with its line and column; null when it parses.</summary>
    public static string? ParseError(string source) => _parser.TryParse(source, out _, out var error) ? null : error;

    /// <summary>Parses under the limits: ranges check their length before Fluid builds them.</summary>
    private static bool TryParse(string source, int maxOutputBytes, out IFluidTemplate template, out string error)
    {
        var parsed = _parser.TryParse(source, out var raw, out error);
        template = parsed ? TemplateLimits.Bounded(raw, maxOutputBytes) : raw;
        return parsed;
    }

    /// <summary>
    /// What is wrong with a variant's Liquid subject: it does not parse, or rendering it alone already exceeds the
    /// limits (a loop over a literal range does that whatever the cart). Null when it is fine.
    /// </summary>
    public static string? SubjectError(string subject) => ParseError(subject) is { } error
        ? $"is not a valid Liquid template: {error}"
        : RenderError(subject, TemplateLimits.DefaultMaxOutputBytes) is { } limit ? $"cannot be rendered: {limit}" : null;

    /// <summary>
    /// Renders a source under the limits with no model, then with a sample cart and a sample order that fill every
    /// field a template can use (<see cref="TemplateSamples"/>); the reason when one of them fails. An empty model alone
    /// passes a loop over the cart's lines however costly each line is.
    /// </summary>
    private static string? RenderError(string source, int maxOutputBytes)
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
    private static TemplateOptions Options(int maxOutputBytes)
    {
        var options = TemplateLimits.Options(maxOutputBytes);
        options.MemberAccessStrategy = new UnsafeMemberAccessStrategy { MemberNameStrategy = MemberNameStrategies.CamelCase };
        return options;
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

        return _subjects[subject] = Parse(subject, "the variant's subject");
    }

    /// <summary>Every problem with the template files under <paramref name="directory"/>: each names its file and line.</summary>
    public static IEnumerable<string> CheckDirectory(string directory, int maxOutputBytes = TemplateLimits.DefaultMaxOutputBytes)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            yield break;
        }

        foreach (var file in System.IO.Directory.EnumerateFiles(directory, "*.liquid", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(directory, file).Replace('\\', '/');
            var match = FileName().Match(relative);
            if (!match.Success)
            {
                yield return $"{file}: template files are named {{language}}/{{name}}.{{subject|html|text}}.liquid, for example en/cart-reminder.html.liquid.";
            }
            else if (!MailLocale.Languages.Contains(match.Groups["language"].Value))
            {
                yield return $"{file}: '{match.Groups["language"].Value}' is not a language we send in ({string.Join(", ", MailLocale.Languages)}).";
            }
            else if (File.ReadAllText(file) is var source && ParseError(source) is { } error)
            {
                yield return $"{file}{Line(error)}: {error}";
            }
            else if (RenderError(source, maxOutputBytes) is { } limit)
            {
                yield return $"{file}: cannot be rendered: {limit}";
            }
        }
    }

    private IFluidTemplate Template(string language, string name, string part)
    {
        var key = $"{language}/{name}.{part}";
        if (FilePath(language, name, part) is { } file && File.Exists(file))
        {
            var written = File.GetLastWriteTimeUtc(file);
            if (_cache.TryGetValue(key, out var cached) && cached.File == file && cached.Written == written)
            {
                return cached.Template;
            }

            var source = File.ReadAllText(file);
            if (TryParse(source, _maxOutputBytes, out var edited, out var error))
            {
                _cache[key] = new Loaded(file, written, edited);
                return edited;
            }

            LogBrokenEdit(file, Line(error), error);
            if (cached is not null)
            {
                // Remember the broken write time too, so the file is not parsed again on every message.
                _cache[key] = cached with { Written = written };
                return cached.Template;
            }
        }

        if (_cache.TryGetValue(key, out var builtIn) && builtIn.File is null)
        {
            return builtIn.Template;
        }

        var text = BuiltIn(language, name, part)
            ?? throw new InvalidOperationException($"There is no template {key}.liquid, built in or in {_directory}.");
        var template = Parse(text, $"the built-in template {key}.liquid");
        _cache[key] = new Loaded(null, default, template);
        return template;
    }

    private IFluidTemplate Parse(string source, string what) =>
        TryParse(source, _maxOutputBytes, out var template, out var error)
            ? template
            : throw new InvalidOperationException($"{what} does not parse{Line(error)}: {error}");

    private string? FilePath(string language, string name, string part) =>
        _directory is null ? null : Path.Combine(_directory, language, $"{name}.{part}.liquid");

    private static string? BuiltIn(string language, string name, string part)
    {
        using var stream = typeof(MailTemplates).Assembly.GetManifestResourceStream($"templates/{language}/{name}.{part}.liquid");
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    // Fluid reports positions as "(line:column)"; operators look for the line.
    private static string Line(string error) => Position().Match(error) is { Success: true } match ? $", line {match.Groups[1].Value}" : "";

    [GeneratedRegex(@"\((\d+):(\d+)\)")]
    private static partial Regex Position();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex LayoutName();

    [GeneratedRegex(@"^(?<language>[a-z]{2})/(?<name>[a-z0-9][a-z0-9-]*)\.(subject|html|text)\.liquid$")]
    private static partial Regex FileName();

    private sealed record Loaded(string? File, DateTime Written, IFluidTemplate Template);

    [LoggerMessage(Level = LogLevel.Error, Message = "Template {File}{Line} does not parse, so its last good version is still used: {Error}")]
    private partial void LogBrokenEdit(string file, string line, string error);
}
