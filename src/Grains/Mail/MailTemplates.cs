using System.Collections.Concurrent;
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

    /// <summary>
    /// Statements one message may execute, over its subject, HTML and text. A 500-line cart takes about 30,000; a
    /// nested loop in an operator's edit would otherwise pin a silo thread in every cart that renders it.
    /// </summary>
    public const int MaxSteps = 200_000;

    /// <summary>How deep includes and nested blocks may go.</summary>
    public const int MaxRecursion = 30;

    /// <summary>Distinct variant subjects kept parsed; past this the cache starts afresh (operators replace flows rarely).</summary>
    private const int MaxParsedSubjects = 512;

    private static readonly TemplateOptions _trial = Limited(new TemplateOptions());

    // Escapes markup (< > & " ') but leaves letters such as ä and € readable in the HTML source.
    private static readonly HtmlEncoder _html = HtmlEncoder.Create(UnicodeRanges.All);

    private readonly ConcurrentDictionary<string, Loaded> _cache = new();
    private readonly ConcurrentDictionary<string, IFluidTemplate> _subjects = new(StringComparer.Ordinal);
    private readonly TemplateOptions _options = Limited(new TemplateOptions());
    private readonly string? _directory;
    private readonly ILogger _logger;

    public MailTemplates(IOptions<MailTemplateOptions>? options = null, ILogger<MailTemplates>? logger = null)
    {
        _options.MemberAccessStrategy = new UnsafeMemberAccessStrategy { MemberNameStrategy = MemberNameStrategies.CamelCase };
        _directory = options?.Value.Directory is { Length: > 0 } directory ? Path.GetFullPath(directory) : null;
        _logger = logger ?? NullLogger<MailTemplates>.Instance;
    }

    /// <summary>Renders the three parts; <paramref name="subject"/>, when given, is Liquid that replaces the template's subject.</summary>
    public RenderedMail Render(string language, string name, object model, string? subject = null)
    {
        var subjectTemplate = subject is null ? Template(language, name, "subject") : Subject(subject);

        // A context per part: what the HTML part assigns (a footer note, HTML-encoded) must not reach the text part.
        return new RenderedMail(
            MimeMessages.SingleLine(subjectTemplate.Render(new TemplateContext(model, _options), NullEncoder.Default)),
            Part(new TemplateContext(model, _options), language, name, "html", _html),
            Part(new TemplateContext(model, _options), language, name, "text", NullEncoder.Default));
    }

    /// <summary>Renders a page behind a link, <c>{language}/{name}.html.liquid</c>, which has an HTML part only.</summary>
    public string RenderPage(string language, string name, object model) =>
        Part(new TemplateContext(model, _options), language, name, "html", _html);

    /// <summary>
    /// Renders one part. A template that assigns <c>layout</c> (<c>{% assign layout = 'mail-layout' %}</c>) is placed
    /// in that template's same part as <c>content</c>, with every variable it assigned (a preheader, a title) still
    /// set: the header, signature and footer are then written once per language, not in every template. A template
    /// that assigns none, as operators' full documents from before layouts, is used as it is.
    /// </summary>
    private string Part(TemplateContext context, string language, string name, string part, TextEncoder encoder)
    {
        var content = Template(language, name, part).Render(context, encoder, isolateContext: false);
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
        return Template(language, layout, part).Render(context, encoder);
    }

    private const string LayoutVariable = "layout";

    /// <summary>True when <paramref name="name"/> has all three parts in every language, built in or as files.</summary>
    public bool Exists(string name) =>
        MailLocale.Languages.All(language => Parts.All(part => FilePath(language, name, part) is { } file && File.Exists(file) || BuiltIn(language, name, part) is not null));

    /// <summary>The parse error of a Liquid source, with its line and column; null when it parses.</summary>
    public static string? ParseError(string source) => _parser.TryParse(source, out _, out var error) ? null : error;

    /// <summary>
    /// What is wrong with a variant's Liquid subject: it does not parse, or rendering it alone already exceeds the
    /// limits (a loop over a literal range does that whatever the cart). Null when it is fine.
    /// </summary>
    public static string? SubjectError(string subject) => ParseError(subject) is { } error
        ? $"is not a valid Liquid template: {error}"
        : RenderError(subject) is { } limit ? $"cannot be rendered: {limit}" : null;

    /// <summary>Renders a source with no model under the limits; the reason when that fails.</summary>
    private static string? RenderError(string source)
    {
        try
        {
            _parser.Parse(source).Render(new TemplateContext(_trial), NullEncoder.Default);
            return null;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // A filter can fail in many ways (a division by zero, a bad date); each is a reason to refuse the template.
            return exception.Message;
        }
    }

    private static TemplateOptions Limited(TemplateOptions options)
    {
        options.MaxSteps = MaxSteps;
        options.MaxRecursion = MaxRecursion;
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
    public static IEnumerable<string> CheckDirectory(string directory)
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
            else if (RenderError(source) is { } limit)
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
            if (_parser.TryParse(source, out var edited, out var error))
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

    private static IFluidTemplate Parse(string source, string what) =>
        _parser.TryParse(source, out var template, out var error)
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
