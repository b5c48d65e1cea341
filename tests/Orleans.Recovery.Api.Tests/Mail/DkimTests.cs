using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Security;

namespace Orleans.Recovery.Api.Tests.Mail;

/// <summary>
/// DKIM on every kind of mail, checked by two verifiers the engine does not share code with: MimeKit's
/// <see cref="DkimVerifier"/> and Debian's python3-dkim (dkimpy), both reading the public key from the TXT record the
/// operator is shown, and again after a relay has added its trace header and refolded the headers.
/// </summary>
[Trait("Category", "Api")]
public sealed partial class DkimTests(SmtpFixture smtpFixture) : IClassFixture<SmtpFixture>
{
    private const string Domain = "kaffee.test";
    private const string Selector = "recovery2026";
    private readonly SmtpSink _smtp = smtpFixture.Smtp;

    internal static string KeyFile(string pem)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("recovery-dkim-").FullName, "dkim.pem");
        File.WriteAllText(file, pem);
        return file;
    }

    internal static string RsaPkcs1(int bits = 2048)
    {
        using var rsa = RSA.Create(bits);
        return rsa.ExportRSAPrivateKeyPem();
    }

    private static string Ed25519Pkcs8()
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        using var writer = new StringWriter();
        var pem = new PemWriter(writer);
        pem.WriteObject(new Org.BouncyCastle.OpenSsl.Pkcs8Generator(pair.Private));
        pem.Writer.Flush();
        return writer.ToString();
    }

    internal static RecoveryApiFactory Host(SmtpSink smtp, string keyFile, bool realServer = false) => new(smtp, settings: new Dictionary<string, string?>
    {
        ["Recovery:Sender:FromAddress"] = $"hello@{Domain}",
        ["Recovery:Sender:ReplyTo"] = $"care@{Domain}",
        ["Recovery:Dkim:Domain"] = Domain,
        ["Recovery:Dkim:Selector"] = Selector,
        ["Recovery:Dkim:PrivateKeyFile"] = keyFile,
    }, realServer: realServer);

    private RecoveryApiFactory Host(string keyFile, string? algorithm = null) => new(_smtp, settings: new Dictionary<string, string?>
    {
        ["Recovery:Sender:FromAddress"] = $"hello@{Domain}",
        ["Recovery:Sender:ReplyTo"] = $"care@{Domain}",
        ["Recovery:Dkim:Domain"] = Domain,
        ["Recovery:Dkim:Selector"] = Selector,
        ["Recovery:Dkim:PrivateKeyFile"] = keyFile,
        ["Recovery:Dkim:Algorithm"] = algorithm,
    });

    [Fact]
    public async Task EveryKindOfMailIsSignedAndVerifiesWithTheRecordTheOperatorIsShown()
    {
        await using var api = Host(KeyFile(RsaPkcs1()));
        var mails = await EveryKindAsync(api);
        var (name, value) = await RecordAsync(api);
        Assert.Equal($"{Selector}._domainkey.{Domain}", name);
        Assert.StartsWith("v=DKIM1; k=rsa; p=", value);

        var results = new List<string>();
        foreach (var (kind, mail) in mails)
        {
            var raw = _smtp.RawOf(mail);
            var signature = mail.Headers[HeaderId.DkimSignature] ?? throw new Xunit.Sdk.XunitException($"{kind} is not signed");
            Assert.Contains("c=relaxed/relaxed", signature.Replace(" ", ""));
            Assert.Contains($"d={Domain}", signature);
            var signed = Tag(signature, "h").Split(':').Select(h => h.Trim().ToLowerInvariant()).ToHashSet();
            foreach (var header in new[] { "from", "to", "subject", "date", "message-id", "mime-version", "content-type", "reply-to", "list-unsubscribe", "list-unsubscribe-post" })
            {
                Assert.Contains(header, signed);
            }

            Assert.True(await MimeKitVerifiesAsync(raw, value), $"{kind}: MimeKit's verifier refused the signature");
            Assert.True(Dkimpy(raw, name, value, out var why), $"{kind}: dkimpy refused the signature: {why}");

            // As a relay passes it on: its trace header on top, the subject refolded, stored with bare line feeds.
            var relayed = Relay(raw);
            Assert.True(await MimeKitVerifiesAsync(relayed, value), $"{kind}, relayed: MimeKit's verifier refused the signature");
            Assert.True(Dkimpy(relayed, name, value, out why), $"{kind}, relayed: dkimpy refused the signature: {why}");
            results.Add(kind);
        }

        Assert.Equal(["cart reminder", "order confirmation", "shipment", "delay notice", "delivered", "review request", "feedback alert", "payment reminder"], results);

        // A changed body no longer verifies: the check can fail.
        var (_, first) = mails[0];
        var tampered = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(_smtp.RawOf(first)).Replace("Espresso", "Expresso", StringComparison.Ordinal));
        Assert.False(await MimeKitVerifiesAsync(tampered, value));
        Assert.False(Dkimpy(tampered, name, value, out _));
    }

    [Fact]
    public async Task AnEd25519KeySignsAsWell()
    {
        await using var api = Host(KeyFile(Ed25519Pkcs8()));
        var cartId = Bodies.NewId("cart");
        var email = Bodies.NewEmail();
        await api.Storefront().PutCartAsync(cartId, Bodies.Cart(cartId, email));
        await api.AdvanceUntilAsync(TimeSpan.FromHours(1), () => Task.FromResult(_smtp.To(email).Any()), "the cart reminder");
        var (name, value) = await RecordAsync(api);

        Assert.StartsWith("v=DKIM1; k=ed25519; p=", value);
        var raw = _smtp.RawOf(_smtp.To(email).Single());
        Assert.Contains("a=ed25519-sha256", _smtp.To(email).Single().Headers[HeaderId.DkimSignature] ?? "");
        Assert.True(await MimeKitVerifiesAsync(raw, value));
        Assert.True(Dkimpy(raw, name, value, out var why), why);
    }

    [Theory]
    [InlineData("missing", "Recovery:Dkim:PrivateKeyFile")]
    [InlineData("garbage", "Recovery:Dkim:PrivateKeyFile")]
    [InlineData("rsa-1024", "Recovery:Dkim:PrivateKeyFile")]
    [InlineData("misaligned", "Recovery:Dkim:Domain")]
    [InlineData("no-selector", "Recovery:Dkim:Selector")]
    [InlineData("wrong-algorithm", "Recovery:Dkim:Algorithm")]
    public async Task AKeyThatCannotSignForTheFromDomainStopsStartUpNamingTheKey(string problem, string key)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Recovery:Sender:FromAddress"] = $"hello@{Domain}",
            ["Recovery:Dkim:Domain"] = problem == "misaligned" ? "other.test" : Domain,
            ["Recovery:Dkim:Selector"] = problem == "no-selector" ? null : Selector,
            ["Recovery:Dkim:PrivateKeyFile"] = problem switch
            {
                "missing" => Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.pem"),
                "garbage" => KeyFile("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"),
                "rsa-1024" => KeyFile(RsaPkcs1(1024)),
                _ => KeyFile(RsaPkcs1()),
            },
            ["Recovery:Dkim:Algorithm"] = problem == "wrong-algorithm" ? "ed25519-sha256" : null,
        };
        await using var api = new RecoveryApiFactory(_smtp, settings: settings);

        var failure = Record.Exception(() => api.Server);

        Assert.NotNull(failure);
        Assert.Contains(key, Hosting.ConfigurationTests.Flatten(failure));
    }

    /// <summary>One message of each kind the engine sends, produced over HTTP as a shop would cause them.</summary>
    private async Task<List<(string Kind, MimeMessage Mail)>> EveryKindAsync(RecoveryApiFactory api)
    {
        var store = api.Storefront();
        var (cartId, shopper) = (Bodies.NewId("cart"), Bodies.NewEmail());
        Assert.Equal(HttpStatusCode.NoContent, (await store.PutCartAsync(cartId, Bodies.Cart(cartId, shopper))).StatusCode);

        var (orderId, buyer) = (Bodies.NewId("order"), Bodies.NewEmail());
        Assert.Equal(HttpStatusCode.Created, (await store.PostAsync("/api/v1/orders", Bodies.Json(Bodies.Order(orderId, null, buyer)))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await store.PostAsync($"/api/v1/orders/{orderId}/shipments", Bodies.Json(new JsonObject
        {
            ["shipmentId"] = "s1", ["carrier"] = "DHL", ["trackingNumber"] = "00340434161234567890", ["trackingUrl"] = "https://dhl.test/track?n=00340434161234567890",
        }))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await store.PostAsync($"/api/v1/orders/{orderId}/delays", Bodies.Json(Bodies.Delay("d1")))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await store.PostAsync($"/api/v1/orders/{orderId}/delivered", null)).StatusCode);

        var (failedId, payer) = (Bodies.NewId("order"), Bodies.NewEmail());
        var failed = Bodies.Order(failedId, null, payer);
        failed["paymentStatus"] = "failed";
        Assert.Equal(HttpStatusCode.Created, (await store.PostAsync("/api/v1/orders", Bodies.Json(failed))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await store.PostAsJsonAsync($"/api/v1/orders/{failedId}/payment-failed", new { reason = "declined", retryUrl = "https://shop.test/pay" })).StatusCode);

        await api.AdvanceUntilAsync(TimeSpan.FromDays(3), () => Task.FromResult(_smtp.To(shopper).Any() && _smtp.To(payer).Any() && _smtp.To(buyer).Count() >= 5), "a message of every kind");
        MimeMessage ToBuyer(string subject) => _smtp.To(buyer).Single(m => m.Subject?.Contains(subject, StringComparison.Ordinal) == true);
        var review = ToBuyer("how was your");
        var rate = Regex().Matches(review.TextBody!).Select(m => new Uri(m.Value)).First(link => link.AbsolutePath.StartsWith("/f/", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await api.Anonymous().PostAsync(rate.AbsolutePath, new FormUrlEncodedContent([KeyValuePair.Create("rating", "1")]))).StatusCode);
        var alert = (await _smtp.WaitForAsync($"care@{Domain}")).Single();

        return
        [
            ("cart reminder", _smtp.To(shopper).First()),
            ("order confirmation", ToBuyer("is confirmed")),
            ("shipment", ToBuyer("is on its way")),
            ("delay notice", ToBuyer("A delay with")),
            ("delivered", ToBuyer("has arrived")),
            ("review request", review),
            ("feedback alert", alert),
            ("payment reminder", _smtp.To(payer).First()),
        ];
    }

    internal static async Task<(string Name, string Value)> RecordAsync(RecoveryApiFactory api)
    {
        var health = await (await api.Operator().GetAsync("/health/ready")).Content.ReadFromJsonAsync<JsonElement>();
        var data = health.GetProperty("checks").GetProperty("mail").GetProperty("data");
        return (data.GetProperty("dkimRecordName").GetString()!, data.GetProperty("dkimRecordValue").GetString()!);
    }

    private static async Task<bool> MimeKitVerifiesAsync(byte[] raw, string record)
    {
        var message = await MimeMessage.LoadAsync(new MemoryStream(raw));
        var verifier = new DkimVerifier(new RecordLocator(record));
        verifier.Enable(DkimSignatureAlgorithm.Ed25519Sha256);
        return await verifier.VerifyAsync(message, message.Headers[message.Headers.IndexOf(HeaderId.DkimSignature)]);
    }

    /// <summary>dkimpy, with DNS answered by the record the operator was shown.</summary>
    private static bool Dkimpy(byte[] raw, string name, string record, out string why)
    {
        var file = Path.GetTempFileName();
        File.WriteAllBytes(file, raw);
        // Debian's interpreter, which python3-dkim is installed for, whatever else is first on the PATH.
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList =
            {
                "-c",
                "import dkim, sys\n" +
                "name, record = sys.argv[2].encode(), sys.argv[3].encode()\n" +
                "dns = lambda queried, timeout=5: record if queried.rstrip(b'.') == name else None\n" +
                "ok = dkim.verify(open(sys.argv[1], 'rb').read(), dnsfunc=dns)\n" +
                "sys.exit(0 if ok else 1)\n",
                file, name, record,
            },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var python = Process.Start(start)!;
        why = python.StandardError.ReadToEnd() + python.StandardOutput.ReadToEnd();
        python.WaitForExit();
        File.Delete(file);
        return python.ExitCode == 0;
    }

    /// <summary>What a relay does on the way: its Received header on top, a long header refolded, line feeds bare.</summary>
    private static byte[] Relay(byte[] raw)
    {
        var text = Encoding.ASCII.GetString(raw);
        var received = "Received: from recovery.kaffee.test (recovery.kaffee.test [192.0.2.10])\r\n\tby mx.example.net with ESMTPS id 4Xy7Lm2pQ4;\r\n\tSun, 06 Dec 2026 10:00:00 +0000\r\n";
        var subjectAt = text.IndexOf("\r\nSubject: ", StringComparison.Ordinal) + 2;
        var firstSpace = text.IndexOf(' ', subjectAt + "Subject: ".Length + 4);
        var refolded = text[..firstSpace] + "\r\n   " + text[(firstSpace + 1)..];
        return Encoding.ASCII.GetBytes((received + refolded).Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    private static string Tag(string signature, string tag) =>
        signature.Split(';').Select(part => part.Trim()).First(part => part.StartsWith(tag + "=", StringComparison.Ordinal))[(tag.Length + 1)..].Replace(" ", "").Replace("\t", "");

    [System.Text.RegularExpressions.GeneratedRegex(@"https://recovery\.shop\.test/[a-z]/[A-Za-z0-9_\-.]+(\?rating=\d)?")]
    private static partial System.Text.RegularExpressions.Regex Regex();

    private sealed class RecordLocator(string record) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            domain == Domain && selector == Selector ? GetPublicKey(record) : throw new ArgumentException($"no key for {selector}._domainkey.{domain}");

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }
}
