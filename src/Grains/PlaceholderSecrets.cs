namespace Orleans.Recovery;

/// <summary>
/// Values that must never protect a real shop: the development keys and the placeholders shipped in deploy/ (a
/// Kubernetes Secret to fill in). Outside Development a secret that looks like one stops start-up, naming its key.
/// </summary>
public static class PlaceholderSecrets
{
    private static readonly string[] Markers = ["change-me", "changeme", "replace-with", "replace-me", "placeholder"];

    public static bool IsPlaceholder(string? value) =>
        value is not null && Markers.Any(marker => value.Contains(marker, StringComparison.OrdinalIgnoreCase));

    public static string Refusal(string key) =>
        $"{key} is a development or placeholder value (it contains one of: {string.Join(", ", Markers)}). Outside Development set a long random secret, e.g. the output of: openssl rand -base64 32";
}
