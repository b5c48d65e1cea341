using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Orleans.Recovery.Hosting.Health;

/// <summary>
/// The body of a health endpoint: the overall status and each check's. What a check found (a relay's host and port,
/// a silo's address) is shown only when <c>detailed</c>: the endpoints answer without a key on hosts that also serve
/// the links in emails.
/// </summary>
public static class HealthResponse
{
    public static Task WriteAsync(HttpContext context, HealthReport report, bool detailed)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => detailed
                    ? new { status = entry.Value.Status.ToString(), description = entry.Value.Description ?? entry.Value.Exception?.GetType().Name, data = entry.Value.Data.Count > 0 ? entry.Value.Data : null }
                    : new { status = entry.Value.Status.ToString(), description = (string?)null, data = (IReadOnlyDictionary<string, object>?)null }),
        }, Options);
    }

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };
}
