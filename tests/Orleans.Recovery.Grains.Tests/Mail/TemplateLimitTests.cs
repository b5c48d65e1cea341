using Microsoft.Extensions.Options;
using Orleans.Recovery.Carts;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.Grains.Tests.Mail;

/// <summary>
/// An operator's template cannot take the memory of the silo that renders it: what it builds and writes is bounded,
/// checked before it is allocated, and validation renders it with a full sample cart and order, not with nothing.
/// </summary>
[Trait("Category", "Unit")]
public sealed class TemplateLimitTests : IDisposable
{
    /// <summary>Forty doublings: a terabyte of text from one short line, in 41 statements.</summary>
    private const string Doubling = "{% assign s = 'x' %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s.size }}";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("recovery-templates-");

    public void Dispose() => _directory.Delete(recursive: true);

    private TemplateStore Store(int maxOutputBytes = TemplateLimits.DefaultMaxOutputBytes) =>
        new(Options.Create(new MailTemplateOptions { Directory = _directory.FullName, MaxOutputBytes = maxOutputBytes }));

    private MailTemplates Templates(int maxOutputBytes = TemplateLimits.DefaultMaxOutputBytes) => new(Store(maxOutputBytes));

    private string Write(string relative, string text)
    {
        var file = new FileInfo(Path.Combine(_directory.FullName, relative));
        file.Directory!.Create();
        File.WriteAllText(file.FullName, text);
        return file.FullName;
    }

    private static CartReminderModel Cart(int lines, string name = "Espresso beans 1 kg") => new()
    {
        FirstName = "Ana",
        ShopName = "Kaffee & Co",
        Language = "en",
        Brand = new BrandOptions().Model(new SenderOptions { FromName = "Kaffee & Co" }),
        UnsubscribeUrl = "https://recovery.shop.test/u/" + new string('t', 120),
        Step = 1,
        StepCount = 3,
        IsLastStep = false,
        Items = [.. Enumerable.Range(1, lines).Select(line => new CartReminderLine(
            $"{name} no. {line}", 2, "€18.90", "€37.80", $"https://cdn.shop.example/images/products/{line}/large.jpg", $"https://shop.example/products/espresso-beans-{line}"))],
        Subtotal = "€18,900.00",
        Total = "€18,904.90",
        Shipping = "€4.90",
        RestoreUrl = "https://recovery.shop.test/r/" + new string('t', 120),
        Faq = [],
    };

    /// <summary>Bytes allocated on this thread while <paramref name="action"/> runs, whatever it throws.</summary>
    private static long Allocated(Action action)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            action();
        }
        catch (TemplateLimitException)
        {
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void AStringThatDoublesOnEachAssignIsRefusedByValidationNamingTheFile()
    {
        var file = Write("en/cart-reminder.text.liquid", Doubling);

        var problem = Assert.Single(TemplateFiles.CheckDirectory(_directory.FullName));

        Assert.StartsWith($"{file}: cannot be rendered: the result of the filter 'append' would pass the limit of 524,288", problem);
        Assert.NotNull(MailTemplates.SubjectError(Doubling));
    }

    [Fact]
    public void ATemplateThatOnlyGrowsWithTheCartsLinesIsRefusedByValidationWhichRendersASampleCart()
    {
        // Nothing to loop over in an empty model, so validation without one passed this; the first real cart did not.
        var file = Write("en/cart-reminder.html.liquid",
            "{% for item in items %}{% for i in (1..5000) %}<p>{{ item.name }} is still in your basket, {{ firstName }}.</p>{% endfor %}{% endfor %}");

        var problem = Assert.Single(TemplateFiles.CheckDirectory(_directory.FullName));

        Assert.StartsWith($"{file}: cannot be rendered: the rendered message would pass the limit of 524,288", problem);
    }

    [Fact]
    public void AnEditThatBreaksALimitFailsTheRenderBeforeItAllocatesTheResult()
    {
        // Edits are loaded while the product runs, after start-up's validation: the send itself must stop them.
        var store = Store();
        var templates = new MailTemplates(store);
        Write("en/note.subject.liquid", "Hello");
        Write("en/note.text.liquid", "x");

        Write("en/note.html.liquid", Doubling);
        store.Reload();
        Assert.InRange(Allocated(() => templates.Render("en", "note", Cart(2))), 0, 16 << 20);

        // One replace of a 50,000-character text by itself would be 2.5 billion characters.
        Write("en/note.html.liquid", "{% capture s %}{% for i in (1..5000) %}xxxxxxxxxx{% endfor %}{% endcapture %}{{ s | replace: 'x', s }}");
        store.Reload();
        Assert.InRange(Allocated(() => templates.Render("en", "note", Cart(2))), 0, 16 << 20);

        // Fluid builds a range's whole list before its first step counts: a hundred million numbers are 4.8 GB.
        Write("en/note.html.liquid", "{% for i in (1..100000000) %}{% endfor %}");
        store.Reload();
        Assert.InRange(Allocated(() => templates.Render("en", "note", Cart(2))), 0, 16 << 20);

        var failure = Assert.Throws<TemplateLimitException>(() => templates.Render("en", "note", Cart(2)));
        Assert.Contains("at most 10,000 numbers", failure.Message);
    }

    [Fact]
    public void ACaptureInALoopStopsAtTheLimitAsItIsWrittenNotOnceItIsWhole()
    {
        // 262,144 characters, within the limit, then 9,999 copies of it inside a capture: 20,000 statements, 2.6 GB.
        var store = Store();
        var templates = new MailTemplates(store);
        Write("en/note.subject.liquid", "Hello");
        Write("en/note.text.liquid", "x");
        Write("en/note.html.liquid",
            "{% assign s = 'x' %}{% for i in (1..18) %}{% assign s = s | append: s %}{% endfor %}{% capture c %}{% for i in (1..9999) %}{{ s }}{% endfor %}{% endcapture %}{{ c.size }}");
        store.Reload();

        Assert.InRange(Allocated(() => templates.Render("en", "note", Cart(1))), 0, 16 << 20);
        Assert.Contains("the rendered message would pass the limit", Assert.Throws<TemplateLimitException>(() => templates.Render("en", "note", Cart(1))).Message);

        // A capture within the limit is what it always was: unencoded, and set for what follows.
        Write("en/note.html.liquid", "{% capture c %}<b>{{ firstName }}</b>{% endcapture %}{{ c | size }}:{{ c }}");
        store.Reload();
        Assert.Equal("10:<b>Ana</b>", templates.Render("en", "note", Cart(1)).Html);
    }

    [Fact]
    public void ARangeInAnIndexerIsBoundedAsInALoop()
    {
        Write("en/note.subject.liquid", "Hello");
        Write("en/note.text.liquid", "x");
        Write("en/note.html.liquid", "{{ items[(1..100000000)] }}");
        var templates = Templates();

        Assert.InRange(Allocated(() => templates.Render("en", "note", Cart(1))), 0, 16 << 20);
        Assert.Contains("at most 10,000 numbers", Assert.Throws<TemplateLimitException>(() => templates.Render("en", "note", Cart(1))).Message);
        Assert.NotNull(MailTemplates.SubjectError("{{ items[(1..100000000)] }}"));
    }

    [Fact]
    public void TheOutputLimitIsTheOperatorsSettingAndCountsTheWholeMessage()
    {
        Write("en/note.subject.liquid", "Hello");
        Write("en/note.html.liquid", "{% for i in (1..1000) %}0123456789{% endfor %}");
        Write("en/note.text.liquid", "{% for i in (1..1000) %}0123456789{% endfor %}");

        Assert.Equal(10_000, Templates(maxOutputBytes: 32 * 1024).Render("en", "note", Cart(1)).Html.Length);

        // 10,000 bytes each of HTML and text, and the subject: over 16 KiB together, though each part is under it.
        var failure = Assert.Throws<TemplateLimitException>(() => Templates(maxOutputBytes: 16 * 1024).Render("en", "note", Cart(1)));
        Assert.Contains("Recovery:Templates:MaxOutputBytes", failure.Message);
    }

    [Theory]
    [InlineData("en")]
    [InlineData("de")]
    public void TheBuiltInReminderForTheLargestCartTheApiAcceptsStaysWithinTheDefaultLimit(string language)
    {
        // The API takes carts of up to 500 lines; the limit must stop templates that run away, never a real cart.
        var mail = Templates().Render(language, "cart-reminder", Cart(500, name: "Single-origin espresso beans, Ethiopia Yirgacheffe, 1 kg bag") with { Language = language });

        Assert.Equal(500, mail.Html.Split("Yirgacheffe").Length - 1);
    }
}
