using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;

namespace Orleans.Recovery.Api.Console.Shared;

/// <summary>
/// What an operator endpoint answered, for a page that calls the endpoint's handler rather than a second copy of its
/// query: the value, or the problem's field errors to show beside the fields.
/// </summary>
public sealed record ApiAnswer<T>(T? Value, IDictionary<string, string[]> Errors, string? Problem)
{
    public bool Succeeded => Value is not null;

    public string? ErrorFor(string field) => Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;
}

public static class ApiAnswer
{
    public static ApiAnswer<T> Of<T>(IResult result) => result switch
    {
        INestedHttpResult nested => Of<T>(nested.Result),
        Ok<T> ok => new(ok.Value, new Dictionary<string, string[]>(), null),
        ValidationProblem invalid => new(default, invalid.ProblemDetails.Errors, invalid.ProblemDetails.Title),
        ProblemHttpResult problem => new(default, new Dictionary<string, string[]>(), problem.ProblemDetails.Detail ?? problem.ProblemDetails.Title),
        NotFound => new(default, new Dictionary<string, string[]>(), "Not found."),
        _ => throw new InvalidOperationException($"The console does not show a {result.GetType().Name}."),
    };

    public static async Task<ApiAnswer<T>> Of<T>(Task<IResult> result) => Of<T>(await result);
}
