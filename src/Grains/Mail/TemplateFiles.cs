using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Orleans.Recovery.Mail;

/// <summary>
/// Where templates come from: <c>{language}/{name}.{subject|html|text}.liquid</c>, built into this assembly, and
/// replaceable by files of the same name in the operator's template directory.
/// </summary>
public static partial class TemplateFiles
{
    /// <summary>The built-in templates' sources by key (<c>en/cart-reminder.html</c>), read once from this assembly.</summary>
    internal static readonly FrozenDictionary<string, string> BuiltIn = ReadBuiltIn();

    /// <summary>Every problem with the template files under <paramref name="directory"/>: each names its file and line.</summary>
    public static IEnumerable<string> CheckDirectory(string directory, int maxOutputBytes = TemplateLimits.DefaultMaxOutputBytes)
    {
        if (!Directory.Exists(directory))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(directory, "*.liquid", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
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
            else if (File.ReadAllText(file) is var source && TemplateSource.ParseError(source) is { } error)
            {
                yield return $"{file}{TemplateSource.Line(error)}: {error}";
            }
            else if (TemplateSource.RenderError(source, maxOutputBytes) is { } limit)
            {
                yield return $"{file}: cannot be rendered: {limit}";
            }
        }
    }

    /// <summary>The key of a template's part: <c>en/cart-reminder.html</c>, as files and built-ins are named.</summary>
    internal static string Key(string language, string name, string part) => $"{language}/{name}.{part}";

    /// <summary>
    /// The operator's template files under <paramref name="directory"/> by key, as a render would look for them: in the
    /// folder of a language we send in, named as a template's part. Throws what the file system throws.
    /// </summary>
    internal static IEnumerable<(string Key, string File)> In(string directory)
    {
        foreach (var language in MailLocale.Languages)
        {
            var folder = Path.Combine(directory, language);
            if (!Directory.Exists(folder))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(folder, "*.liquid"))
            {
                var relative = $"{language}/{Path.GetFileName(file)}";
                if (FileName().IsMatch(relative))
                {
                    yield return (relative[..^".liquid".Length], file);
                }
            }
        }
    }

    /// <summary>What tells an edit from the version already loaded, without reading the file.</summary>
    internal static FileStamp Stamp(string file)
    {
        var info = new FileInfo(file);
        return new FileStamp(info.LastWriteTimeUtc, info.Exists ? info.Length : -1);
    }

    private static FrozenDictionary<string, string> ReadBuiltIn()
    {
        const string Prefix = "templates/";
        var assembly = typeof(TemplateFiles).Assembly;
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(name => name.StartsWith(Prefix, StringComparison.Ordinal) && name.EndsWith(".liquid", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            sources[resource[Prefix.Length..^".liquid".Length]] = reader.ReadToEnd();
        }

        return sources.ToFrozenDictionary(StringComparer.Ordinal);
    }

    [GeneratedRegex(@"^(?<language>[a-z]{2})/(?<name>[a-z0-9][a-z0-9-]*)\.(subject|html|text)\.liquid$")]
    private static partial Regex FileName();
}

/// <summary>A file's last write time and length: a change of either is an edit to load.</summary>
internal readonly record struct FileStamp(DateTime Written, long Length);
