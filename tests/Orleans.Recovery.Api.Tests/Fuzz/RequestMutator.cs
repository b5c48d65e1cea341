using System.Text;
using System.Text.Json.Nodes;

namespace Orleans.Recovery.Api.Tests.Fuzz;

/// <summary>
/// Spoils requests the way a careless storefront, a mail scanner or a prober does: odd ids, odd tokens, bodies with
/// fields missing, of the wrong type, too big or not JSON at all, and the wrong content type. Seeded: a failure names
/// its seed and request number, and the same seed makes the same requests.
/// </summary>
public sealed class RequestMutator(int seed)
{
    private static readonly string[] OddSegments =
    [
        "", " ", "..", "%2F", "a%2Fb", "%00", "%0d%0aSet-Cookie:%20x=1", "%E2%80%AE", "größe", "😀", "%FF%FE", "null", "0", "-1",
        "' OR 1=1 --", "<script>", "{{ 7*7 }}", "CON", "a.b", new string('x', 201), new string('z', 3000), "%25", "~", "@",
    ];

    private static readonly string[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-16", "text/plain", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/xml", "application/problem+json", "", "application/json; charset=latin1",
    ];

    /// <summary>Letters, separators, umlauts, an emoji (two UTF-16 units, kept whole), NUL, a bidi override and a tab.</summary>
    private static readonly string[] Alphabet = ["a", "b", "X", "Z", "0", "9", "-", "_", ".", "~", " ", "/", "?", "#", "%", "&", "=", "+", "ä", "ß", "€", "😀", "\u0000", "\u202E", "\t"];

    private readonly Random _random = new(seed);

    public int Next(int max) => _random.Next(max);

    public bool Chance(double probability) => _random.NextDouble() < probability;

    public T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    /// <summary>A path segment: mostly the good one, sometimes something odd, escaped as a client would send it.</summary>
    public string Segment(string good) => Chance(0.6) ? Uri.EscapeDataString(good) : Chance(0.5) ? Pick(OddSegments) : Uri.EscapeDataString(RandomText(_random.Next(1, 40)));

    /// <summary>A link token: mostly a genuine one, else truncated, altered, of another purpose, or made up.</summary>
    public string Token(IReadOnlyList<string> genuine)
    {
        var token = Pick(genuine);
        return Next(7) switch
        {
            0 or 1 or 2 => token,
            3 => token[..Math.Max(1, _random.Next(token.Length))],
            4 => Alter(token),
            5 => Uri.EscapeDataString(RandomText(_random.Next(1, 80))),
            _ => Pick(OddSegments),
        };
    }

    public string ContentType() => Chance(0.7) ? "application/json" : Pick(ContentTypes);

    /// <summary>The body: the good one with a few fields spoiled, or bytes that are not the JSON asked for at all.</summary>
    public byte[] Body(JsonNode? good)
    {
        if (good is null || Chance(0.15))
        {
            return Garbage();
        }

        var body = good.DeepClone();
        for (var spoiled = _random.Next(0, 4); spoiled > 0; spoiled--)
        {
            Spoil(body);
        }

        return Encoding.UTF8.GetBytes(body.ToJsonString());
    }

    private void Spoil(JsonNode node)
    {
        var containers = Descendants(node).Where(n => n is JsonObject or JsonArray).ToList();
        var target = Pick(containers);
        if (target is JsonObject obj && obj.Count > 0)
        {
            var key = Pick(obj.Select(pair => pair.Key).ToList());
            switch (Next(4))
            {
                case 0:
                    obj.Remove(key);
                    break;
                case 1:
                    obj[key] = RandomValue();
                    break;
                case 2:
                    var value = obj[key];
                    obj.Remove(key);
                    obj[key.ToUpperInvariant()] = value;
                    break;
                default:
                    obj[RandomText(6)] = RandomValue();
                    break;
            }
        }
        else if (target is JsonArray array)
        {
            switch (Next(3))
            {
                case 0 when array.Count > 0:
                    array.RemoveAt(_random.Next(array.Count));
                    break;
                case 1:
                    array.Add(null);
                    break;
                default:
                    array.Add(RandomValue());
                    break;
            }
        }
    }

    private JsonNode? RandomValue() => Next(14) switch
    {
        0 => null,
        1 => JsonValue.Create(-1),
        2 => JsonValue.Create(long.MaxValue),
        3 => JsonValue.Create(1e300),
        4 => JsonValue.Create(0.000001m),
        5 => JsonValue.Create(true),
        6 => JsonValue.Create(""),
        7 => JsonValue.Create(new string('a', 5000)),
        8 => JsonValue.Create("line\r\nBcc: everyone@example.com"),
        9 => JsonValue.Create(RandomText(20)),
        10 => new JsonArray(JsonValue.Create(1), JsonValue.Create("x")),
        11 => new JsonObject { ["nested"] = new JsonObject { ["deeper"] = RandomText(3) } },
        12 => JsonValue.Create("9999-12-31T23:59:59Z"),
        _ => JsonValue.Create("10675199.02:48:05.4775807"),
    };

    private byte[] Garbage() => Next(9) switch
    {
        0 => [],
        1 => Encoding.UTF8.GetBytes("{"),
        2 => Encoding.UTF8.GetBytes("{\"items\": [" + string.Concat(Enumerable.Repeat("[", 2000)) + "]}"),
        3 => [0xFF, 0xFE, 0xC3, 0x28, 0xA0, 0xA1],
        4 => Encoding.UTF8.GetBytes("null"),
        5 => Encoding.UTF8.GetBytes("[]"),
        6 => Encoding.UTF8.GetBytes("rating=1&choice=wait&List-Unsubscribe=One-Click"),
        7 => Encoding.UTF8.GetBytes("{\"a\":" + new string('1', 400) + "}"),
        _ => Encoding.UTF8.GetBytes("{\"x\":\"" + new string('y', 300_000) + "\"}"),
    };

    private string Alter(string token)
    {
        var characters = token.ToCharArray();
        var at = _random.Next(characters.Length);
        characters[at] = characters[at] == 'A' ? 'B' : 'A';
        return new string(characters);
    }

    private string RandomText(int length)
    {
        var builder = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            builder.Append(Alphabet[_random.Next(Alphabet.Length)]);
        }

        return builder.ToString();
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode node)
    {
        yield return node;
        var children = node switch
        {
            JsonObject obj => obj.Select(pair => pair.Value),
            JsonArray array => array.AsEnumerable(),
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>())
        {
            foreach (var descendant in Descendants(child))
            {
                yield return descendant;
            }
        }
    }
}
