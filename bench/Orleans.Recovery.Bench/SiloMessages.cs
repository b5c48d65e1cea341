using System.Globalization;

namespace Orleans.Recovery.Bench;

/// <summary>
/// A silo's Orleans message counters, scraped from its Prometheus <c>/metrics</c> (the "Microsoft.Orleans" meter).
/// Orleans splits them itself: <c>orleans-messaging-sent-local</c> counts messages its message center delivered inside
/// the silo, and the <c>orleans-messaging-sent-messages-size</c> histogram counts each message written to a connection,
/// tagged with the connection's direction: SiloToSilo (remote), GatewayToClient (to the API as client). Among the
/// remote ones, membership probes (<c>orleans-messaging-pings-sent</c>) and the grain directory's requests to the silo
/// that owns a grain's entry (<c>orleans-directory-*-remote-sent</c>: lookups, registrations, unregistrations) are
/// counted apart, each a request that a response follows.
/// </summary>
public sealed record SiloMessages(double Local, double Remote, double ClientSent, double ClientReceived, double Pings, double Directory)
{
    public static SiloMessages Zero { get; } = new(0, 0, 0, 0, 0, 0);

    public static async Task<SiloMessages> ScrapeAsync(HttpClient client, Uri host)
    {
        var text = await client.GetStringAsync(new Uri(host, "/metrics"));
        double local = 0, remote = 0, clientSent = 0, clientReceived = 0, pings = 0, directory = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var name = line[..line.IndexOfAny(['{', ' '])];
            var value = double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            switch (name)
            {
                case "orleans_messaging_sent_local_total":
                    local += value;
                    break;
                case "orleans_messaging_sent_messages_size_bytes_count" when line.Contains("ConnectionDirection=\"SiloToSilo\"", StringComparison.Ordinal):
                    remote += value;
                    break;
                case "orleans_messaging_sent_messages_size_bytes_count" when line.Contains("ConnectionDirection=\"GatewayToClient\"", StringComparison.Ordinal):
                    clientSent += value;
                    break;
                case "orleans_messaging_received_messages_size_bytes_count" when line.Contains("ConnectionDirection=\"GatewayToClient\"", StringComparison.Ordinal):
                    clientReceived += value;
                    break;
                case "orleans_messaging_pings_sent_total":
                    pings += value;
                    break;
                case var counter when counter.StartsWith("orleans_directory_", StringComparison.Ordinal) && counter.EndsWith("_remote_sent_total", StringComparison.Ordinal):
                    directory += value;
                    break;
            }
        }

        return new(local, remote, clientSent, clientReceived, pings, directory);
    }

    public static SiloMessages operator +(SiloMessages a, SiloMessages b) =>
        new(a.Local + b.Local, a.Remote + b.Remote, a.ClientSent + b.ClientSent, a.ClientReceived + b.ClientReceived, a.Pings + b.Pings, a.Directory + b.Directory);

    public static SiloMessages operator -(SiloMessages a, SiloMessages b) =>
        new(a.Local - b.Local, a.Remote - b.Remote, a.ClientSent - b.ClientSent, a.ClientReceived - b.ClientReceived, a.Pings - b.Pings, a.Directory - b.Directory);
}
