using System.ComponentModel.DataAnnotations;

namespace Orleans.Recovery.Mail;

/// <summary>
/// Where the operator keeps edited templates, bound from <c>Recovery:Templates</c>. A file there,
/// <c>{language}/{name}.{subject|html|text}.liquid</c>, replaces the built-in one of the same name; a new name adds a
/// template that flows can use.
/// </summary>
public sealed class MailTemplateOptions : IValidatableObject
{
    public const string Section = "Recovery:Templates";

    public string Directory { get; set; } = "templates";

    /// <summary>
    /// The most one message may render to, subject, HTML and text together, in UTF-8 bytes; no value a template builds
    /// may be longer either. A render past it fails that message (skipped as <c>template-error</c>), not the silo.
    /// </summary>
    [Range(16 * 1024, 64 * 1024 * 1024, ErrorMessage = Section + ":MaxOutputBytes must be between 16384 (16 KiB) and 67108864 (64 MiB).")]
    public int MaxOutputBytes { get; set; } = TemplateLimits.DefaultMaxOutputBytes;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Every file is parsed now, so a broken edit stops start-up with its file and line instead of failing a send.
        foreach (var problem in TemplateFiles.CheckDirectory(Directory, MaxOutputBytes))
        {
            yield return new ValidationResult($"{Section}:Directory: {problem}", [nameof(Directory)]);
        }
    }
}
