namespace Orleans.Recovery.Bench;

/// <summary>
/// The product beside its peer, Hangfire on the same PostgreSQL server in the same run: taken once the peer, which
/// runs last, has its figures. Against the peer's fastest setting (1 s polling and NOTIFY), the one a shop would pick
/// to compete on lateness.
/// </summary>
public static class PeerRatios
{
    public static void Add(Dictionary<string, double> ingest, Dictionary<string, double> schedule, Dictionary<string, double> delivery, IReadOnlyDictionary<string, double> peer)
    {
        // New carts per second over schedule calls per second: each is the storefront's call that arms a follow-up.
        if (ingest.TryGetValue("events_per_s", out var carts) && peer.TryGetValue("schedule_per_s", out var scheduled))
        {
            ingest["peer_ratio"] = carts / scheduled;
        }

        // Below 1 when the product's slowest follow-ups are less late than Hangfire's.
        if (schedule.TryGetValue("lateness_p99_ms", out var late) && peer.TryGetValue("fastest_lateness_p99_ms", out var peerLate))
        {
            schedule["lateness_p99_peer_ratio"] = late / peerLate;
        }

        if (delivery.TryGetValue("emails_per_s", out var emails) && peer.TryGetValue("fastest_emails_per_s", out var peerEmails))
        {
            delivery["peer_ratio"] = emails / peerEmails;
        }
    }
}
