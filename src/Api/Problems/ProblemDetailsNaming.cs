using System.Text.Json;

namespace Orleans.Recovery.Api.Problems;

/// <summary>
/// Validation names members as C# does (Customer.Email); clients wrote camelCase JSON (customer.email).
/// This renames error keys and the field names in their messages to match what the client sent.
/// </summary>
public static class ProblemDetailsNaming
{
    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Status == StatusCodes.Status415UnsupportedMediaType && problem.Detail is null)
        {
            problem.Detail = "The request body must be JSON: send 'Content-Type: application/json'.";
        }

        if (problem is HttpValidationProblemDetails validation)
        {
            var renamed = validation.Errors.ToDictionary(
                pair => CamelPath(pair.Key),
                pair => pair.Value.Select(message => CamelFieldName(message, pair.Key)).ToArray());
            validation.Errors.Clear();
            foreach (var (key, messages) in renamed)
            {
                validation.Errors[key] = messages;
            }
        }
    }

    private static string CamelPath(string path) =>
        string.Join('.', path.Split('.').Select(segment => JsonNamingPolicy.CamelCase.ConvertName(segment)));

    private static string CamelFieldName(string message, string path)
    {
        var member = path.Split('.')[^1];
        var bracket = member.IndexOf('[');
        member = bracket >= 0 ? member[..bracket] : member;
        return message.Replace($"The {member} field", $"The {JsonNamingPolicy.CamelCase.ConvertName(member)} field", StringComparison.Ordinal);
    }
}
