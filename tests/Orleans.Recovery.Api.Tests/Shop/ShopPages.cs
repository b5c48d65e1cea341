using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Orleans.Recovery.Api.Tests.Shop;

/// <summary>
/// A shop's own web server on another loopback port, so on another origin than the engine: it serves the checkout page
/// the tests open in Chromium, with the engine's capture script on it.
/// </summary>
public sealed class ShopPages : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ShopPages(WebApplication app, string origin)
    {
        _app = app;
        Origin = origin;
    }

    /// <summary>The origin pages are served from, such as http://127.0.0.1:41234.</summary>
    public string Origin { get; }

    /// <summary>Starts a server whose <c>/checkout?cart=…</c> is the page <paramref name="page"/> renders for that cart id.</summary>
    public static async Task<ShopPages> StartAsync(Func<string, string> page)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/checkout", (string cart) => Results.Content(page(cart), "text/html; charset=utf-8"));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new ShopPages(app, new Uri(address).GetLeftPart(UriPartial.Authority));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
