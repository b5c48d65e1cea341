using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Recovery.Api.Auth;
using Orleans.Recovery.Api.Validation;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Mail;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Api.Flows;

/// <summary>The body of <c>POST /api/v1/flows/{flow}/steps/{n}/preview</c>.</summary>
public sealed record PreviewRequestBody : IValidatableObject
{
    [Required, Locale]
    public string? Locale { get; init; }

    public string? CartId { get; init; }

    public string? OrderId { get; init; }

    [StringLength(64)]
    public string? Variant { get; init; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (CartId is not null && !Identifiers.IsValid(CartId))
        {
            yield return new ValidationResult($"The cartId {Identifiers.Rule}", [nameof(CartId)]);
        }

        if (OrderId is not null && !Identifiers.IsValid(OrderId))
        {
            yield return new ValidationResult($"The orderId {Identifiers.Rule}", [nameof(OrderId)]);
        }
    }
}

/// <summary>Flows as data: the operator reads and replaces them at runtime, and previews any step.</summary>
public static class FlowsApi
{
    public static IEndpointRouteBuilder MapFlowsApi(this IEndpointRouteBuilder app)
    {
        var flows = app.MapGroup("/api/v1/flows").WithTags("Flows").RequireAuthorization(ApiScopes.Operator);
        flows.MapGet("/", ListFlows);
        flows.MapGet("/{flow}", GetFlow);
        flows.MapPut("/{flow}", ReplaceFlow);
        flows.MapDelete("/{flow}", ResetFlow);
        flows.MapPost("/{flow}/steps/{step:int}/preview", Preview);
        return app;
    }

    public static async Task<Ok<FlowSettings[]>> ListFlows(IGrainFactory grains) =>
        TypedResults.Ok(await Task.WhenAll(FlowNames.All.Select(flow => grains.GetGrain<IFlowGrain>(flow).GetAsync())));

    public static async Task<Results<Ok<FlowSettings>, ProblemHttpResult>> GetFlow(string flow, IGrainFactory grains) =>
        FlowNames.Parse(flow) is { } name ? TypedResults.Ok(await grains.GetGrain<IFlowGrain>(name).GetAsync()) : UnknownFlow(flow);

    /// <summary>Replaces the whole definition; it applies to every step not yet sent. A flawed one changes nothing.</summary>
    public static async Task<Results<Ok<FlowSettings>, ValidationProblem, ProblemHttpResult>> ReplaceFlow(string flow, FlowDefinition definition, IGrainFactory grains)
    {
        if (FlowNames.Parse(flow) is not { } name)
        {
            return UnknownFlow(flow);
        }

        var grain = grains.GetGrain<IFlowGrain>(name);
        var problems = await grain.ReplaceAsync(definition);
        if (problems.Count > 0)
        {
            return TypedResults.ValidationProblem(
                problems.GroupBy(problem => problem.Path).ToDictionary(group => group.Key, group => group.Select(problem => $"The {group.Key} field {problem.Message}").ToArray()),
                title: $"The {name} flow was not changed.");
        }

        return TypedResults.Ok(await grain.GetAsync());
    }

    /// <summary>Drops the operator's replacement: the configured definition applies again.</summary>
    public static async Task<Results<Ok<FlowSettings>, ProblemHttpResult>> ResetFlow(string flow, IGrainFactory grains)
    {
        if (FlowNames.Parse(flow) is not { } name)
        {
            return UnknownFlow(flow);
        }

        var grain = grains.GetGrain<IFlowGrain>(name);
        await grain.ResetAsync();
        return TypedResults.Ok(await grain.GetAsync());
    }

    /// <summary>Renders step <paramref name="step"/> (from 1) for a locale, with a sample or a real cart or order.</summary>
    public static async Task<Results<Ok<RenderedMail>, ValidationProblem, ProblemHttpResult>> Preview(string flow, int step, PreviewRequestBody preview, IGrainFactory grains)
    {
        if (FlowNames.Parse(flow) is not { } name)
        {
            return UnknownFlow(flow);
        }

        if (preview.CartId is not null && name != FlowNames.CartAbandonment || preview.OrderId is not null && name == FlowNames.CartAbandonment)
        {
            var field = preview.CartId is not null ? "cartId" : "orderId";
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [field] = [$"The {field} field does not fit the {name} flow: carts preview cart-abandonment, orders the other flows."],
            });
        }

        var result = await grains.GetGrain<IMailPreviewGrain>(0).PreviewAsync(
            new PreviewRequest(name, step, preview.Locale!, preview.CartId, preview.OrderId, preview.Variant));
        if (result.Mail is { } mail)
        {
            return TypedResults.Ok(mail);
        }

        return result.NotFound
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Nothing to preview with.", detail: result.Problem)
            : TypedResults.ValidationProblem(new Dictionary<string, string[]> { [result.Field!] = [result.Problem!] });
    }

    private static ProblemHttpResult UnknownFlow(string flow) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "No such flow.",
        detail: $"'{flow}' is not a flow; the flows are {string.Join(", ", FlowNames.All)}.");
}
