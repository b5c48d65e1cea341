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

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Every file is parsed now, so a broken edit stops start-up with its file and line instead of failing a send.
        foreach (var problem in MailTemplates.CheckDirectory(Directory))
        {
            yield return new ValidationResult($"{Section}:Directory: {problem}", [nameof(Directory)]);
        }
    }
}
