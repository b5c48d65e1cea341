using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace Orleans.Recovery.Storage;

/// <summary>Tells a failure of the database behind grain state and reminders from any other failure of a call.</summary>
public static class StorageFaults
{
    private const int MaxReason = 200;

    /// <summary>
    /// What the database said, when <paramref name="exception"/> or one it wraps is a database fault (a refused
    /// connection, a full disk, a timeout, a lost ETag race, a reminder table that cannot be written); otherwise null.
    /// </summary>
    public static string? Describe(Exception exception)
    {
        foreach (var fault in Chain(exception))
        {
            switch (fault)
            {
                case StorageUnavailableException unavailable:
                    return unavailable.Reason;
                case DbException or InconsistentStateException or ReminderException:
                    var reason = $"{fault.GetType().Name}: {fault.Message}";
                    return reason.Length <= MaxReason ? reason : reason[..MaxReason];
            }
        }

        return null;
    }

    /// <summary>
    /// Lets the PostgreSQL driver's exceptions cross between a silo and an API process that is its client. Orleans
    /// serializes exceptions only of the namespaces it is told (Microsoft, System and its own by default): a read that
    /// failed while a grain activated reached the client as a codec failure, which answered 500.
    /// </summary>
    public static IServiceCollection AddStorageFaultSerialization(this IServiceCollection services) =>
        services.Configure<ExceptionSerializationOptions>(options =>
        {
            if (!options.SupportedNamespacePrefixes.Contains("Npgsql"))
            {
                options.SupportedNamespacePrefixes.Add("Npgsql");
            }
        });

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        var seen = 0;
        var pending = new Stack<Exception>([exception]);
        while (pending.TryPop(out var next) && seen++ < 32)
        {
            yield return next;
            if (next is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    pending.Push(inner);
                }
            }
            else if (next.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }
    }
}
