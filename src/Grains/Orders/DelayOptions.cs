namespace Orleans.Recovery.Orders;

/// <summary>
/// The names of <see cref="DelayOption"/> as the API and the links spell them. Only these four are read: a number, a
/// sign, spaces or a comma list (which Enum.TryParse would all take) are not options a shop offered.
/// </summary>
public static class DelayOptions
{
    private static readonly (string Name, DelayOption Option)[] All =
    [
        ("wait", DelayOption.Wait),
        ("cancel", DelayOption.Cancel),
        ("partial", DelayOption.Partial),
        ("substitute", DelayOption.Substitute),
    ];

    public static readonly string Names = string.Join(", ", All.Select(entry => entry.Name));

    public static bool TryParse(string? text, out DelayOption option)
    {
        foreach (var (name, value) in All)
        {
            if (string.Equals(text, name, StringComparison.OrdinalIgnoreCase))
            {
                option = value;
                return true;
            }
        }

        option = default;
        return false;
    }

    public static string Name(DelayOption option) => All.First(entry => entry.Option == option).Name;
}
