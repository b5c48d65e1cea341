using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Orleans.Recovery.Hosting.Telemetry;

/// <summary>
/// <c>Recovery:Dashboard</c>: Orleans' own dashboard, for the platform's operators. On in Development, elsewhere off
/// unless <c>Enabled</c> is set; it must be on in every silo for an API to show it. The API serves it at
/// <c>/dashboard</c> behind the console's sign-in; a silo on its own serves it on <c>Port</c>, on loopback only, as it
/// has no sign-in (reach it through an SSH tunnel or a port-forward).
/// </summary>
public sealed record DashboardSettings(bool Enabled, int? Port)
{
    public const string Section = "Recovery:Dashboard";
    public const string Path = "/dashboard";

    public static DashboardSettings From(IConfiguration configuration, IHostEnvironment environment)
    {
        var section = configuration.GetSection(Section);
        var enabled = environment.IsDevelopment();
        if (section["Enabled"] is { Length: > 0 } text && !bool.TryParse(text, out enabled))
        {
            throw new InvalidOperationException($"{Section}:Enabled must be true or false, not '{text}'.");
        }

        int? port = null;
        if (section["Port"] is { Length: > 0 } portText)
        {
            port = int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= 65535
                ? value
                : throw new InvalidOperationException($"{Section}:Port must be a TCP port from 1 to 65535, not '{portText}'.");
        }

        return new DashboardSettings(enabled, port);
    }
}
