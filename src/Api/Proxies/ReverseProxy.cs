using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Orleans.Recovery.Api.Proxies;

/// <summary>
/// The reverse proxies in front of the API, bound from <c>Recovery:ForwardedHeaders</c>. Their <c>X-Forwarded-For</c>
/// and <c>X-Forwarded-Proto</c> are believed; anybody else's are ignored, so a client cannot pick its own address to
/// escape a rate limit. Empty by default: with no proxy configured, the connection's address is the client's.
/// </summary>
public sealed class ReverseProxyOptions : IValidatableObject
{
    public const string Section = "Recovery:ForwardedHeaders";

    /// <summary>Proxy addresses, such as 10.0.0.5.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR notation, such as 10.0.0.0/8.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    public bool IsConfigured => KnownProxies.Count > 0 || KnownNetworks.Count > 0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < KnownProxies.Count; i++)
        {
            if (!IPAddress.TryParse(KnownProxies[i], out _))
            {
                yield return new ValidationResult($"{Section}:KnownProxies:{i} is '{KnownProxies[i]}'; it must be an IP address such as 10.0.0.5.", [nameof(KnownProxies)]);
            }
        }

        for (var i = 0; i < KnownNetworks.Count; i++)
        {
            if (!System.Net.IPNetwork.TryParse(KnownNetworks[i], out _))
            {
                yield return new ValidationResult($"{Section}:KnownNetworks:{i} is '{KnownNetworks[i]}'; it must be a network in CIDR notation such as 10.0.0.0/8.", [nameof(KnownNetworks)]);
            }
        }
    }
}

public static class ReverseProxy
{
    public static IServiceCollection AddReverseProxySupport(this IServiceCollection services)
    {
        services.AddOptions<ReverseProxyOptions>().BindConfiguration(ReverseProxyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ReverseProxyOptions>>((forwarded, proxies) =>
        {
            // With no proxy listed, nothing is believed: ASP.NET Core would trust every sender's headers when its lists
            // are empty, as they are when ASPNETCORE_FORWARDEDHEADERS_ENABLED adds its own copy of the middleware.
            forwarded.ForwardedHeaders = proxies.Value.IsConfigured
                ? ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto
                : ForwardedHeaders.None;

            // Only the configured proxies: not ASP.NET Core's default of loopback, which would let anything on this
            // machine speak for any client. The chain is followed back while its hops are known proxies.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            forwarded.ForwardLimit = null;
            foreach (var proxy in proxies.Value.KnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in proxies.Value.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return services;
    }

    /// <summary>
    /// The client's address and scheme as the configured proxies forwarded them. Without a configured proxy the
    /// middleware is left out: ASP.NET Core would otherwise believe every sender's headers.
    /// </summary>
    public static IApplicationBuilder UseReverseProxySupport(this IApplicationBuilder app) => app.Use(next =>
    {
        // Decided as the server starts, after configuration was validated with everything else.
        var services = app.ApplicationServices;
        return services.GetRequiredService<IOptions<ReverseProxyOptions>>().Value.IsConfigured
            ? new ForwardedHeadersMiddleware(next, services.GetRequiredService<ILoggerFactory>(), services.GetRequiredService<IOptions<ForwardedHeadersOptions>>()).Invoke
            : next;
    });
}
