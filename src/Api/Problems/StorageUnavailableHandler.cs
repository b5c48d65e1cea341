using Microsoft.AspNetCore.Diagnostics;
using Orleans.Recovery.Storage;

namespace Orleans.Recovery.Api.Problems;

/// <summary>
/// A call whose change the database could not store: 503 with Retry-After, which storefronts retry, never a 500 and
/// never a 2xx. The grain kept nothing of it, so the retry stores it. The outage is logged once, not once per call.
/// </summary>
public sealed class StorageUnavailableHandler(IProblemDetailsService problems, StorageOutage outage) : IExceptionHandler
{
    /// <summary>Seconds a client should wait: a failover or a restart of the database takes a few.</summary>
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (StorageFaults.Describe(exception) is not { } reason)
        {
            return false;
        }

        outage.Fault(reason);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString();
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The engine's database is unavailable right now.",
                Detail = "Nothing of this request was kept. Repeating it is safe: retry in a few seconds.",
            },
        });
    }
}
