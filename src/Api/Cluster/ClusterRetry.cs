using Microsoft.AspNetCore.Diagnostics;
using Orleans.Runtime;

namespace Orleans.Recovery.Api.Cluster;

/// <summary>
/// When a silo dies, calls to grains it hosted fail until the cluster declares it dead and activates them elsewhere:
/// seconds, not minutes. Every API call is idempotent (a cart snapshot replaces the last one, an order is keyed by its
/// id), so the filter runs the handler again across that window instead of answering 500.
/// </summary>
public sealed partial class ClusterRetryFilter(ILogger<ClusterRetryFilter> logger) : IEndpointFilter
{
    private static readonly TimeSpan[] Backoff = [TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(4)];

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await next(context);
            }
            catch (Exception exception) when (ClusterUnavailable.IsTransient(exception) && attempt < Backoff.Length && !context.HttpContext.RequestAborted.IsCancellationRequested)
            {
                LogRetrying(context.HttpContext.Request.Method, context.HttpContext.GetEndpoint()?.DisplayName, attempt + 1, exception.GetType().Name);
                await Task.Delay(Backoff[attempt], context.HttpContext.RequestAborted);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Endpoint}: the cluster is reconfiguring ({Error}); retry {Attempt}")]
    private partial void LogRetrying(string method, string? endpoint, int attempt, string error);
}

/// <summary>If the cluster stays unreachable beyond the retries: 503 with Retry-After, which storefronts retry, not 500.</summary>
public sealed class ClusterUnavailable(IProblemDetailsService problems) : IExceptionHandler
{
    public static bool IsTransient(Exception exception) =>
        exception is OrleansMessageRejectionException or SiloUnavailableException or Ledger.LedgerUnavailableException
        // A call in flight to a silo killed under it ends at Orleans' response timeout, unwrapped (bench/run --only cluster).
        or TimeoutException
        // e.g. "Reminder Service is still initializing": a silo that just joined, or lost its database for a moment.
        || (exception is OrleansException && exception.InnerException is { } inner && (inner is TimeoutException || IsTransient(inner)));

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsTransient(exception))
        {
            return false;
        }

        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = exception is Ledger.LedgerUnavailableException ? "The ledger is unavailable right now." : "The engine's cluster is unavailable right now.",
                Detail = exception is Ledger.LedgerUnavailableException or TimeoutException
                    ? "Part of the request may have been done. Repeating it is safe: retry in a few seconds."
                    : "Nothing was changed. Retry the request in a few seconds.",
            },
        });
    }
}
