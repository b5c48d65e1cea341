using System.Globalization;
using System.Text.Json;

namespace Orleans.Recovery.Api.Connectors;

/// <summary>
/// Reading providers' JSON as it comes: a field may be missing, null, a number or a string (money as "18.90", ids past
/// 2^53). Nothing here throws on a shape it did not expect; it answers null, and the mapping says what was missing.
/// </summary>
public static class Payload
{
    public static JsonElement? Get(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public static JsonElement? Get(this JsonElement? element, string name) => element is { } value ? value.Get(name) : null;

    /// <summary>A string, or a number as its exact text (an id such as 1234567890123456789 stays whole).</summary>
    public static string? Text(this JsonElement? element, string name) => element.Get(name) switch
    {
        { ValueKind: JsonValueKind.String } value when StringOf(value) is { Length: > 0 } text => text.Trim(),
        { ValueKind: JsonValueKind.Number } value => value.GetRawText(),
        _ => null,
    };

    /// <summary>A JSON string's text; null for one that escapes half of a surrogate pair, which the parser lets through and no .NET string can hold.</summary>
    public static string? StringOf(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    public static string? Text(this JsonElement element, string name) => ((JsonElement?)element).Text(name);

    /// <summary>Money or a quantity, from a JSON number or a decimal string, read without floating point.</summary>
    public static decimal? Decimal(this JsonElement? element, string name) => element.Get(name) switch
    {
        { ValueKind: JsonValueKind.Number } value when value.TryGetDecimal(out var number) => number,
        { ValueKind: JsonValueKind.String } value when decimal.TryParse(StringOf(value), NumberStyles.Number, CultureInfo.InvariantCulture, out var number) => number,
        _ => null,
    };

    public static decimal? Decimal(this JsonElement element, string name) => ((JsonElement?)element).Decimal(name);

    public static bool? Bool(this JsonElement? element, string name) => element.Get(name) switch
    {
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => null,
    };

    public static bool? Bool(this JsonElement element, string name) => ((JsonElement?)element).Bool(name);

    public static IEnumerable<JsonElement> Items(this JsonElement? element, string name) =>
        element.Get(name) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray().Where(item => item.ValueKind == JsonValueKind.Object) : [];

    public static IEnumerable<JsonElement> Items(this JsonElement element, string name) => ((JsonElement?)element).Items(name);

    /// <summary>The first of <paramref name="values"/> that is there.</summary>
    public static string? FirstOf(params string?[] values) => values.FirstOrDefault(value => !string.IsNullOrWhiteSpace(value));
}
