using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Recovery.Customers;
using Orleans.Recovery.Links;
using Xunit.Abstractions;

namespace Orleans.Recovery.Api.Tests.Fuzz;

/// <summary>
/// Every endpoint (storefront, operator, public links, health) over real sockets, with thousands of spoiled paths,
/// tokens, bodies, content types and keys. Whatever arrives, the answer is never a server error, every refusal other
/// than 404 and 405 is problem details, and the product is still ready afterwards. Seeded:
/// RECOVERY_FUZZ_SEED=n explores another sequence, and a failure names its seed and request.
/// </summary>
[Trait("Category", "Api")]
public sealed class EndpointFuzzTests(SmtpFixture smtpFixture, ITestOutputHelper output) : IClassFixture<SmtpFixture>
{
    private const int DefaultSeed = 20261125;
    private const int Requests = 8000;
    private const string CaptureKey = "pk-fuzz-capture-0123456789";
    private const string ShopOrigin = "https://shop.example";

    [Fact]
    public async Task SpoiledRequestsToEveryEndpointGetNoServerErrorAndEveryRefusalIsProblemDetails()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("RECOVERY_FUZZ_SEED"), out var chosen) ? chosen : DefaultSeed;
        await using var api = new RecoveryApiFactory(smtpFixture.Smtp, realServer: true, settings: new Dictionary<string, string?>
        {
            // Believed forwarded addresses give the fuzzer many clients, so the link limits do not turn it all into 429s.
            ["Recovery:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
            ["Recovery:Capture:PublishableKey"] = CaptureKey,
            ["Recovery:Capture:AllowedOrigins:0"] = ShopOrigin,
            ["Recovery:Capture:PerClientPerMinute"] = "10000",
            ["Recovery:Capture:PerKeyPerMinute"] = "100000",
            ["Recovery:Connectors:Shopify:Secret"] = Webhooks.ShopifySecret,
            ["Recovery:Connectors:WooCommerce:Secret"] = Webhooks.WooCommerceSecret,
            ["Recovery:Connectors:Stripe:Secret"] = Webhooks.StripeSecret,
            ["Recovery:Bounces:Postmark:Username"] = Webhooks.PostmarkUsername,
            ["Recovery:Bounces:Postmark:Password"] = Webhooks.PostmarkPassword,
            ["Recovery:Bounces:SendGrid:PublicKey"] = Webhooks.SendGridPublicKey,
            ["Recovery:Bounces:Mailgun:SigningKey"] = Webhooks.MailgunSigningKey,
        });
        var world = await World.BuildAsync(api);
        var mutator = new RequestMutator(seed);
        var requests = Enumerable.Range(0, Requests).Select(number => world.Spoiled(number, mutator)).ToList();

        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        using var client = api.Anonymous();
        client.Timeout = TimeSpan.FromSeconds(30);
        var started = DateTime.UtcNow;
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (request, _) =>
        {
            using var message = request.ToMessage();
            using var response = await client.SendAsync(message);
            var status = (int)response.StatusCode;
            statuses.AddOrUpdate(status, 1, (_, count) => count + 1);
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (RefusedByKestrel(request, response))
            {
                statuses.AddOrUpdate(0, 1, (_, count) => count + 1);
            }
            else if (status >= 500 || status is >= 400 and < 500 and not 404 and not 405 && mediaType != "application/problem+json")
            {
                failures.Enqueue($"seed {seed}, request {request.Number}: {request.Method} {request.Path} ({request.ContentType ?? "no content type"}, {request.Body?.Length ?? 0} bytes) -> {status} {mediaType}: {Truncate(await response.Content.ReadAsStringAsync())}");
            }
        });

        output.WriteLine($"{Requests} requests in {(DateTime.UtcNow - started).TotalSeconds:F1} s, seed {seed}: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} × {s.Value}"))}");
        Assert.True(failures.IsEmpty, $"{failures.Count} bad answers, the first:\n{string.Join("\n", failures.Take(15))}");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }

    /// <summary>
    /// Kestrel refuses a request target that decodes to a NUL character with a bare 400 that closes the connection,
    /// before any of our code runs and with no way for it to answer instead. That is the web server's rule for a
    /// malformed request line, so it is counted apart (as status 0), and only for targets that hold one.
    /// </summary>
    private static bool RefusedByKestrel(Request request, HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.BadRequest
        && request.Path.Contains("%00", StringComparison.Ordinal)
        && response.Headers.ConnectionClose == true
        && response.Content.Headers.ContentLength == 0;

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";

    /// <summary>One request as sent: every part already spoiled or not.</summary>
    private sealed record Request(int Number, HttpMethod Method, string Path, string? ContentType, byte[]? Body, string? Authorization, string ForwardedFor)
    {
        /// <summary>A provider's headers (topic, delivery id, a signature over the spoiled body) or the capture script's Origin.</summary>
        public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

        public HttpRequestMessage ToMessage()
        {
            var message = new HttpRequestMessage(Method, Path);
            if (Body is not null)
            {
                message.Content = new ByteArrayContent(Body);
                if (ContentType is { Length: > 0 })
                {
                    message.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
                }
            }

            if (Authorization is not null)
            {
                message.Headers.TryAddWithoutValidation("Authorization", Authorization);
            }

            message.Headers.TryAddWithoutValidation("X-Forwarded-For", ForwardedFor);
            foreach (var (name, value) in Headers)
            {
                // A spoiled value keeps to what HTTP/1.1 can carry in a header: printable ASCII.
                message.Headers.TryAddWithoutValidation(name, new string([.. value.Where(c => c is >= ' ' and < (char)127)]));
            }

            return message;
        }
    }

    /// <summary>Known carts, orders and genuine links to spoil, and the catalogue of endpoints.</summary>
    private sealed class World
    {
        private string _cartId = "";
        private string _orderId = "";
        private string _email = "";
        private string _code = "";
        private JsonObject _flow = [];
        private readonly Dictionary<char, List<string>> _tokens = [];
        private DateTimeOffset _signedAt;

        public static async Task<World> BuildAsync(RecoveryApiFactory api)
        {
            var world = new World { _cartId = Bodies.NewId("cart"), _orderId = Bodies.NewId("order"), _email = Bodies.NewEmail(), _signedAt = api.Clock.GetUtcNow() };
            var storefront = api.Storefront();
            (await storefront.PutCartAsync(world._cartId, Bodies.Cart(world._cartId, world._email))).EnsureSuccessStatusCode();
            (await storefront.PostAsync("/api/v1/orders", Bodies.Json(Bodies.Order(world._orderId, null, world._email)))).EnsureSuccessStatusCode();
            (await storefront.PostAsync($"/api/v1/orders/{world._orderId}/delays", Bodies.Json(Bodies.Delay("d1")))).EnsureSuccessStatusCode();
            (await storefront.PostAsync($"/api/v1/orders/{world._orderId}/delivered", null)).EnsureSuccessStatusCode();
            var flow = await (await api.Operator().GetAsync("/api/v1/flows/cart-abandonment")).EnsureSuccessStatusCode().ReadJsonAsync();
            world._flow = JsonNode.Parse(flow.GetProperty("definition").GetRawText())!.AsObject();
            world._code = "10OFF-ABCDE-FGHIJ";

            var tokens = api.Services.GetRequiredService<LinkTokens>();
            var now = DateTimeOffset.UtcNow;
            var customer = TestCustomerKeys.Of(world._email);

            // Twenty genuine tokens per link, issued a second apart as mail sent at different times would carry them, so
            // the per-token limit leaves most requests to the handlers.
            List<string> Issued(LinkPurpose purpose, string subject) => [.. Enumerable.Range(0, 20).Select(i => Token(tokens, purpose, subject, now.AddSeconds(-i)))];
            world._tokens['r'] = Issued(LinkPurpose.Recover, $"{world._cartId}/cart-abandonment/1");
            world._tokens['u'] = Issued(LinkPurpose.Unsubscribe, customer);
            world._tokens['d'] = Issued(LinkPurpose.DelayChoice, $"{world._orderId}/post-purchase/delay-d1");
            world._tokens['f'] = Issued(LinkPurpose.Feedback, $"{world._orderId}/post-purchase/review-request");
            world._tokens['n'] = Issued(LinkPurpose.Newsletter, customer);
            return world;
        }

        public Request Spoiled(int number, RequestMutator m)
        {
            var scope = "storefront";
            JsonNode? body = null;
            string? form = null;
            var cart = m.Segment(_cartId);
            var order = m.Segment(_orderId);
            string? provider = null;
            var (method, path) = m.Next(44) switch
            {
                0 => (HttpMethod.Put, Body($"/api/v1/carts/{cart}", Bodies.Cart(_cartId, _email), out body)),
                1 => (HttpMethod.Post, $"/api/v1/carts/{cart}/checkout-started"),
                2 => (HttpMethod.Delete, $"/api/v1/carts/{cart}"),
                3 => (HttpMethod.Post, Body("/api/v1/orders", Bodies.Order(Bodies.NewId("order"), _cartId, _email), out body)),
                4 => (HttpMethod.Post, Body($"/api/v1/orders/{order}/payment-failed", new JsonObject { ["reason"] = "card_expired", ["retryUrl"] = "https://shop.test/pay" }, out body)),
                5 => (HttpMethod.Post, $"/api/v1/orders/{order}/payment-succeeded"),
                6 => (HttpMethod.Post, Body($"/api/v1/orders/{order}/shipments", ShipmentBody(), out body)),
                7 => (HttpMethod.Post, Body($"/api/v1/orders/{order}/delays", Bodies.Delay($"d{m.Next(5)}"), out body)),
                8 => (HttpMethod.Post, Body($"/api/v1/orders/{order}/delivered", new JsonObject { ["deliveredAt"] = "2026-11-24T10:00:00Z" }, out body)),
                9 => (HttpMethod.Post, $"/api/v1/orders/{order}/cancelled"),
                10 => (HttpMethod.Get, $"/api/v1/coupons/{m.Segment(_code)}"),
                11 => (HttpMethod.Post, Body($"/api/v1/coupons/{m.Segment(_code)}/redeem", new JsonObject { ["orderId"] = _orderId }, out body)),
                12 => Operator(HttpMethod.Get, $"/api/v1/carts/{cart}", ref scope),
                13 => Operator(HttpMethod.Get, $"/api/v1/orders/{order}", ref scope),
                14 => Operator(HttpMethod.Get, $"/api/v1/customers/{m.Segment(_email)}", ref scope),
                15 => Operator(HttpMethod.Post, Body("/api/v1/customers/lookup", new JsonObject { ["email"] = _email }, out body), ref scope),
                16 => Operator(HttpMethod.Get, $"/api/v1/flows/{m.Segment("cart-abandonment")}", ref scope),
                17 => Operator(HttpMethod.Put, Body($"/api/v1/flows/{m.Segment("cart-abandonment")}", _flow, out body), ref scope),
                18 => Operator(HttpMethod.Post, Body($"/api/v1/flows/{m.Segment(m.Pick(["cart-abandonment", "post-purchase", "incomplete-payment"]))}/steps/{m.Segment(m.Next(4).ToString())}/preview", new JsonObject { ["locale"] = "de-DE", ["cartId"] = _cartId }, out body), ref scope),
                19 => Operator(HttpMethod.Get, "/api/v1/flows", ref scope),
                20 => Public(HttpMethod.Get, $"/r/{m.Token(_tokens['r'])}", ref scope),
                21 => Public(HttpMethod.Get, $"/u/{m.Token(_tokens['u'])}", ref scope),
                22 => Public(HttpMethod.Post, Form($"/u/{m.Token(_tokens['u'])}", "List-Unsubscribe", "One-Click", m, out form), ref scope),
                23 => Public(HttpMethod.Get, $"/d/{m.Token(_tokens['d'])}?choice={m.Segment(m.Pick(["wait", "cancel", "partial"]))}", ref scope),
                24 => Public(HttpMethod.Post, Form($"/d/{m.Token(_tokens['d'])}", "choice", m.Pick(["wait", "cancel", "partial"]), m, out form), ref scope),
                25 => Public(HttpMethod.Get, $"/f/{m.Token(_tokens['f'])}?rating={m.Segment((1 + m.Next(5)).ToString())}", ref scope),
                26 => Public(HttpMethod.Post, Form($"/f/{m.Token(_tokens['f'])}", "rating", (1 + m.Next(5)).ToString(), m, out form), ref scope),
                27 => Public(HttpMethod.Get, $"/n/{m.Token(_tokens['n'])}", ref scope),
                28 => Public(HttpMethod.Post, Form($"/n/{m.Token(_tokens['n'])}", "consent", "yes", m, out form), ref scope),
                29 => Operator(HttpMethod.Get, $"/api/v1/stats?from={m.Segment("2026-11-01")}&to={m.Segment("2026-11-30")}&flow={m.Segment("cart-abandonment")}", ref scope),
                30 => Operator(HttpMethod.Get, $"/api/v1/stats/daily?from={m.Segment("2026-11-20")}&flow={m.Segment("incomplete-payment")}", ref scope),
                31 => Operator(HttpMethod.Get, $"/api/v1/leads?type={m.Segment("cart")}&status={m.Segment("open")}&limit={m.Segment("2")}&cursor={m.Segment("MTc2NDA2NDgwMDAwMApjYXJ0CmM")}&format={m.Segment(m.Pick(["csv", "json"]))}", ref scope),
                32 => Operator(HttpMethod.Get, $"/api/v1/reports/incomplete-payments?from={m.Segment("2026-11-01")}&to={m.Segment("2026-11-30")}", ref scope),
                33 => Operator(HttpMethod.Post, Body("/api/v1/customers/export", new JsonObject { ["email"] = _email }, out body), ref scope),
                34 => Operator(HttpMethod.Post, Body("/api/v1/customers/erase", new JsonObject { ["email"] = Bodies.NewEmail() }, out body), ref scope),
                35 => Capture(Body("/api/v1/capture", new JsonObject { ["cartId"] = _cartId, ["email"] = _email, ["firstName"] = "Ana", ["marketingConsent"] = true, ["consentText"] = "Offers" }, out body), ref scope),
                36 => Provider("shopify", Body("/api/v1/connectors/shopify", Webhooks.Load(m.Pick(["shopify-checkouts-create", "shopify-orders-create", "shopify-fulfillments-create", "shopify-orders-cancelled"])), out body), ref scope, ref provider),
                37 => Provider("woocommerce", Body("/api/v1/connectors/woocommerce", Webhooks.Load("woocommerce-order-created"), out body), ref scope, ref provider),
                38 => Provider("stripe", Body("/api/v1/connectors/stripe", Webhooks.Load(m.Pick(["stripe-payment_intent.payment_failed", "stripe-payment_intent.succeeded", "stripe-invoice.payment_failed"])), out body), ref scope, ref provider),
                39 => Operator(HttpMethod.Get, $"/api/v1/connectors/deliveries?provider={m.Segment(m.Pick(["shopify", "stripe"]))}&limit={m.Segment("20")}", ref scope),
                40 => Provider("postmark", Body("/api/v1/mail-events/postmark", Webhooks.Load(m.Pick(["postmark-bounce-hard", "postmark-bounce-soft", "postmark-spam-complaint"])), out body), ref scope, ref provider),
                41 => Provider("sendgrid", Body("/api/v1/mail-events/sendgrid", Webhooks.LoadNode("sendgrid-events"), out body), ref scope, ref provider),
                42 => Provider("mailgun", Body("/api/v1/mail-events/mailgun", Webhooks.SignMailgun(Webhooks.Load(m.Pick(["mailgun-failed-permanent", "mailgun-failed-temporary", "mailgun-complained"])), _signedAt,
                    key: m.Chance(0.9) ? Webhooks.MailgunSigningKey : "another-signing-key-0123456789"), out body), ref scope, ref provider),
                _ => Public(HttpMethod.Get, m.Pick(["/health/live", "/health/ready", "/", "/api/v1", "/api/v1/carts", "/r/", "/openapi/v1.json"]), ref scope),
            };

            if (m.Chance(0.03))
            {
                // The wrong verb for the path.
                method = m.Pick([HttpMethod.Get, HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch]);
            }

            byte[]? bytes = null;
            string? contentType = null;
            if (form is not null)
            {
                bytes = Encoding.UTF8.GetBytes(form);
                contentType = m.Chance(0.8) ? "application/x-www-form-urlencoded" : m.ContentType();
            }
            else if (body is not null || method == HttpMethod.Post || method == HttpMethod.Put)
            {
                bytes = m.Chance(0.05) ? null : m.Body(body);
                contentType = m.ContentType();
            }

            var headers = new Dictionary<string, string>();
            if (scope == "capture")
            {
                headers["Origin"] = m.Chance(0.9) ? ShopOrigin : m.Segment(ShopOrigin);
            }
            else if (provider is not null)
            {
                // Signed over the bytes actually sent, spoiled or not, so the spoiled payloads reach the mappers.
                Sign(provider, bytes ?? [], headers, m);
            }

            return new Request(number, method, path, contentType, bytes, scope == "provider" ? null : Authorization(scope, m), $"198.51.100.{m.Next(250)}") { Headers = headers };
        }

        private void Sign(string provider, byte[] body, Dictionary<string, string> headers, RequestMutator m)
        {
            var genuine = m.Chance(0.9);
            string Hmac(string secret, byte[] data) => Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(genuine ? secret : secret + "x"), data));
            switch (provider)
            {
                case "shopify":
                    headers["X-Shopify-Topic"] = m.Segment(m.Pick(["checkouts/create", "checkouts/update", "orders/create", "orders/paid", "orders/cancelled", "fulfillments/create"]));
                    headers["X-Shopify-Webhook-Id"] = m.Chance(0.2) ? "repeated-id" : Guid.NewGuid().ToString();
                    headers["X-Shopify-Hmac-Sha256"] = Hmac(Webhooks.ShopifySecret, body);
                    break;
                case "woocommerce":
                    headers["X-WC-Webhook-Topic"] = m.Segment(m.Pick(["order.created", "order.updated"]));
                    headers["X-WC-Webhook-Delivery-ID"] = Guid.NewGuid().ToString("N");
                    headers["X-WC-Webhook-Source"] = m.Segment("https://kaffee.example/");
                    headers["X-WC-Webhook-Signature"] = Hmac(Webhooks.WooCommerceSecret, body);
                    break;
                case "postmark":
                    headers["Authorization"] = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Webhooks.PostmarkUsername}:{(genuine ? Webhooks.PostmarkPassword : m.Segment(Webhooks.PostmarkPassword))}"));
                    break;
                case "sendgrid":
                    var stamp = _signedAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
                    headers["X-Twilio-Email-Event-Webhook-Timestamp"] = genuine ? stamp : m.Segment(stamp);
                    headers["X-Twilio-Email-Event-Webhook-Signature"] = Convert.ToBase64String(Webhooks.SendGridKey.SignData(
                        [.. Encoding.UTF8.GetBytes(stamp), .. body], System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.DSASignatureFormat.Rfc3279DerSequence));
                    break;
                case "mailgun":
                    // Signed inside the body, before it was spoiled.
                    break;
                default:
                    var t = _signedAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
                    var signed = Encoding.UTF8.GetBytes(t + ".").Concat(body).ToArray();
                    var hex = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(genuine ? Webhooks.StripeSecret : "whsec_other"), signed));
                    headers["Stripe-Signature"] = $"t={t},v1={hex}";
                    break;
            }
        }

        private static (HttpMethod, string) Capture(string path, ref string scope)
        {
            scope = "capture";
            return (HttpMethod.Post, path);
        }

        private static (HttpMethod, string) Provider(string name, string path, ref string scope, ref string? provider)
        {
            scope = "provider";
            provider = name;
            return (HttpMethod.Post, path);
        }

        private static string Body(string path, JsonNode good, out JsonNode? body)
        {
            body = good;
            return path;
        }

        private static string Form(string path, string name, string good, RequestMutator m, out string? form)
        {
            form = m.Chance(0.7) ? $"{name}={Uri.EscapeDataString(good)}" : $"{m.Segment(name)}={m.Segment(good)}";
            return path;
        }

        private static (HttpMethod, string) Operator(HttpMethod method, string path, ref string scope)
        {
            scope = "operator";
            return (method, path);
        }

        private static (HttpMethod, string) Public(HttpMethod method, string path, ref string scope)
        {
            scope = "public";
            return (method, path);
        }

        private static string? Authorization(string scope, RequestMutator m)
        {
            var right = scope switch { "operator" => RecoveryApiFactory.OperatorKey, "capture" => CaptureKey, _ => RecoveryApiFactory.StorefrontKey };
            var wrong = scope == "operator" ? RecoveryApiFactory.StorefrontKey : RecoveryApiFactory.OperatorKey;
            return m.Next(20) switch
            {
                < 16 => scope == "public" ? null : $"Bearer {right}",
                16 => $"Bearer {wrong}",
                17 => null,
                18 => m.Pick(["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "bearer " + right, "Bearer " + new string('k', 5000)]),
                _ => $"Bearer {right}x",
            };
        }

        private static string Token(LinkTokens tokens, LinkPurpose purpose, string subject, DateTimeOffset now) =>
            new Uri(tokens.Link(purpose, subject, now)).AbsolutePath[3..];

        private static JsonObject ShipmentBody() => new()
        {
            ["shipmentId"] = "s1",
            ["carrier"] = "DHL",
            ["trackingNumber"] = "00340434",
            ["trackingUrl"] = "https://track.example/00340434",
            ["estimatedDelivery"] = "2026-12-01",
        };

    }
}
