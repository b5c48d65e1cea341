using System.Collections.Frozen;
using Fluid;

namespace Orleans.Recovery.Mail;

/// <summary>
/// The templates as the <see cref="TemplateStore"/> last loaded them, parsed and never changed: a grain renders from it
/// without reading a file in its turn. A reload publishes a new snapshot; one being rendered from stays as it was.
/// </summary>
public sealed class TemplateSnapshot
{
    private readonly FrozenDictionary<string, IFluidTemplate> _builtIn;

    internal TemplateSnapshot(string? directory, FrozenDictionary<string, IFluidTemplate> builtIn, FrozenDictionary<string, TemplateFile> files)
    {
        Directory = directory;
        _builtIn = builtIn;
        Files = files;
    }

    /// <summary>The operator's template directory, in full; null when only the built-in templates are used.</summary>
    public string? Directory { get; }

    /// <summary>The operator's files by key, each with its last version that parsed.</summary>
    internal FrozenDictionary<string, TemplateFile> Files { get; }

    /// <summary>True when <paramref name="name"/> has all three parts in every language, built in or as files.</summary>
    public bool Exists(string name) =>
        MailLocale.Languages.All(language => MailTemplates.Parts.All(part =>
            Files.ContainsKey(TemplateFiles.Key(language, name, part)) || _builtIn.ContainsKey(TemplateFiles.Key(language, name, part))));

    /// <summary>
    /// The operator's version of a part, or its last version that parsed while the file is a broken edit, else the
    /// built-in one.
    /// </summary>
    internal IFluidTemplate Template(string language, string name, string part)
    {
        var key = TemplateFiles.Key(language, name, part);
        if (Files.TryGetValue(key, out var file) && file.Template is { } edited)
        {
            return edited;
        }

        return _builtIn.TryGetValue(key, out var builtIn)
            ? builtIn
            : throw new InvalidOperationException($"There is no template {key}.liquid, built in or in {Directory}.");
    }

    /// <summary>The same templates with the operator's files as they are now.</summary>
    internal TemplateSnapshot With(FrozenDictionary<string, TemplateFile> files) => new(Directory, _builtIn, files);
}

/// <summary>An operator's template file as loaded: its stamp then, and its last version that parsed (null if none did).</summary>
internal sealed record TemplateFile(string Path, FileStamp Stamp, IFluidTemplate? Template);
