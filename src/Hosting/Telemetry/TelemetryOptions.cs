using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Orleans.Recovery.Hosting.Telemetry;

/// <summary><c>Recovery:Telemetry</c>: the Prometheus scrape endpoint. OTLP follows the standard OTEL_* variables.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Recovery:Telemetry";

    [ValidateObjectMembers]
    public PrometheusOptions Prometheus { get; set; } = new();

    /// <summary>How old the pending follow-ups gauge may get before a collection reads the ledger again.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00", ErrorMessage = "Recovery:Telemetry:PendingInterval must be from 5 seconds to an hour, such as 00:01:00.")]
    public TimeSpan PendingInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The section as the host is built from it: where <c>/metrics</c> goes decides what is registered, so a bad value
    /// stops start-up here, naming its key, rather than after the host was built around it.
    /// </summary>
    public static TelemetryOptions Read(IConfiguration configuration)
    {
        TelemetryOptions options;
        try
        {
            options = configuration.GetSection(Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        }
        catch (InvalidOperationException exception)
        {
            throw new InvalidOperationException($"{Section} cannot be read: {exception.Message}", exception);
        }

        if (options.Prometheus.Port is < 1 or > 65535)
        {
            throw new InvalidOperationException($"{Section}:Prometheus:Port must be a TCP port from 1 to 65535, not {options.Prometheus.Port}.");
        }

        return options;
    }
}

public sealed class PrometheusOptions
{
    /// <summary><c>/metrics</c> for Prometheus to scrape. On in Development; elsewhere off unless set.</summary>
    public bool? Enabled { get; set; }

    /// <summary>A port of its own for <c>/metrics</c>, on every interface, instead of the host's HTTP port.</summary>
    [Range(1, 65535, ErrorMessage = "Recovery:Telemetry:Prometheus:Port must be a TCP port from 1 to 65535.")]
    public int? Port { get; set; }
}
