using System.Collections.Concurrent;
using System.Net;

namespace Orleans.Recovery.Testing;

/// <summary>A real HTTP endpoint on loopback that records every POST it receives, as a shop's webhook would.</summary>
public sealed class WebhookSink : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();

    private WebhookSink(int port)
    {
        Url = $"http://127.0.0.1:{port}/hooks/recovery/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _ = AcceptAsync();
    }

    public string Url { get; }

    public IReadOnlyCollection<ReceivedWebhook> Received => _received;

    public static WebhookSink Start() => new(FreePort.Next());

    private async Task AcceptAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var headers = context.Request.Headers.AllKeys.Where(key => key is not null).ToDictionary(key => key!, key => context.Request.Headers[key]!, StringComparer.OrdinalIgnoreCase);
            _received.Enqueue(new ReceivedWebhook(headers, body.ToArray()));
            context.Response.StatusCode = 204;
            context.Response.Close();
        }
    }

    public void Dispose() => _listener.Close();
}

public sealed record ReceivedWebhook(IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Body);
}
