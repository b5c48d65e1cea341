using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Orleans.Recovery.Api.Console;
using Orleans.Recovery.Api.Console.Customers;
using Orleans.Recovery.Api.Console.Flows;
using Orleans.Recovery.Api.Console.Layout;
using Orleans.Recovery.Api.Console.Leads;
using Orleans.Recovery.Api.Console.Overview;
using Orleans.Recovery.Api.Console.Sessions;
using Orleans.Recovery.Api.Console.Shared;
using Orleans.Recovery.Api.Console.Timelines;
using Orleans.Recovery.Api.Flows;
using Orleans.Recovery.Api.Reports;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Mail;
using System.Globalization;
using Orleans.Reminders;

namespace Orleans.Recovery.Api.Console.Flows;

/// <summary>A flow's page: its results per step, its definition to edit, and a preview of each step.</summary>
public sealed partial class FlowPage
{
    [Inject(Key = ReminderTimeProviderNames.Reminders)] public TimeProvider Clock { get; set; } = null!;

    private FlowSettings? _settings;
    private StatsResponse? _stats;
    private Dictionary<string, string[]> _errors = [];
    private IDictionary<string, string[]> _previewErrors = new Dictionary<string, string[]>();
    private RenderedMail? _preview;
    private string? _previewProblem;
    private bool _saved;

    [Parameter] public string Flow { get; set; } = "";

    [SupplyParameterFromForm(FormName = "flow")] public FlowForm? Form { get; set; }

    [SupplyParameterFromQuery(Name = "preview")] public string? Previewing { get; set; }

    [SupplyParameterFromQuery(Name = "step")] public string? PreviewStepText { get; set; }

    private int PreviewStep => int.TryParse(PreviewStepText, System.Globalization.NumberStyles.None, CultureInfo.InvariantCulture, out var step) ? step : 1;

    [SupplyParameterFromQuery(Name = "locale")] public string? PreviewLocale { get; set; }

    [SupplyParameterFromQuery(Name = "of")] public string? PreviewOf { get; set; }

    [CascadingParameter] public HttpContext HttpContext { get; set; } = null!;

    private string PreviewUrl => FlowPreview.Url(_settings!.Flow, PreviewStep, PreviewLocale ?? "en", PreviewOf);

    protected override async Task OnInitializedAsync()
    {
        _settings = ApiAnswer.Of<FlowSettings>(await FlowsApi.GetFlow(Flow, Grains)).Value;
        if (_settings is null)
        {
            HttpContext.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        Form ??= FlowForm.Of(_settings.Definition);
        _stats = ApiAnswer.Of<StatsResponse>(await StatsApi.GetStats(null, null, _settings.Flow, Counts, AttributionSettings, Clock, HttpContext.RequestAborted)).Value;
        if (Previewing is not null)
        {
            var answer = await FlowPreview.RenderAsync(Grains, _settings.Flow, PreviewStep, PreviewLocale ?? "en", PreviewOf);
            (_preview, _previewErrors, _previewProblem) = (answer.Value, answer.Errors, answer.Succeeded ? null : answer.Problem ?? string.Join(" ", answer.Errors.SelectMany(error => error.Value)));
        }
    }

    private async Task SaveAsync()
    {
        var (definition, errors) = Form!.ApplyTo(_settings!.Definition);
        if (definition is not null)
        {
            var answer = ApiAnswer.Of<FlowSettings>(await FlowsApi.ReplaceFlow(_settings.Flow, definition, Grains));
            if (answer.Value is { } saved)
            {
                _settings = saved;
                Form = FlowForm.Of(saved.Definition);
                _saved = true;
                return;
            }

            errors = answer.Errors.ToDictionary(error => error.Key, error => error.Value.Select(message => Worded(error.Key, message)).ToArray());
        }

        _errors = errors;
        HttpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
    }

    /// <summary>The API names a field by its path ("The steps[1].delay field must …"); beside the field, its name reads better.</summary>
    private static string Worded(string field, string message)
    {
        var prefix = $"The {field} field ";
        if (!message.StartsWith(prefix, StringComparison.Ordinal))
        {
            return message;
        }

        var name = field[(field.LastIndexOf('.') + 1)..] switch
        {
            "delay" => "delay",
            "discountPercent" => "discount",
            "couponValidity" => "coupon validity",
            "template" => "template",
            var other => other,
        };
        return $"The {name} {message[prefix.Length..]}";
    }

    private string? Invalid(string field) => _errors.ContainsKey(field) ? "true" : null;
}
