using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.Recovery.Mail;

namespace Orleans.Recovery.Grains.Tests.Mail;

/// <summary>An operator's edit reaches the mail without a restart, by the store's scan: a render never reads the file.</summary>
[Trait("Category", "Unit")]
public sealed class TemplateStoreTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("recovery-templates-");
    private readonly FakeTimeProvider _clock = new();
    private readonly FakeLogger<TemplateStore> _logger = new();

    public void Dispose() => _directory.Delete(recursive: true);

    private async Task<TemplateStore> StartedStoreAsync()
    {
        var store = new TemplateStore(Options.Create(new MailTemplateOptions { Directory = _directory.FullName }), _logger, _clock);
        await store.StartAsync(CancellationToken.None);
        return store;
    }

    private string Write(string relative, string text)
    {
        var file = new FileInfo(Path.Combine(_directory.FullName, relative));
        file.Directory!.Create();
        File.WriteAllText(file.FullName, text);
        return file.FullName;
    }

    private void Note(string html)
    {
        Write("en/note.subject.liquid", "Hello");
        Write("en/note.html.liquid", html);
        Write("en/note.text.liquid", "x");
    }

    private static MailModel Model() => new() { FirstName = "Ana", ShopName = "Kaffee & Co", Language = "en", Brand = new BrandOptions().Model(new SenderOptions { FromName = "Kaffee & Co" }) };

    [Fact]
    public async Task AnEditIsUsedFromTheNextScanAndNoRenderReadsTheFile()
    {
        Note("<p>Hi {{ firstName }}</p>");
        using var store = await StartedStoreAsync();
        var templates = new MailTemplates(store);
        Assert.Equal("<p>Hi Ana</p>", templates.Render("en", "note", Model()).Html);

        var loaded = store.Current;
        Write("en/note.html.liquid", "<p>Welcome back, {{ firstName }}</p>");
        Assert.Equal("<p>Hi Ana</p>", templates.Render("en", "note", Model()).Html);

        _clock.Advance(TemplateStore.ScanInterval);

        Assert.NotSame(loaded, store.Current);
        Assert.Equal("<p>Welcome back, Ana</p>", templates.Render("en", "note", Model()).Html);
    }

    [Fact]
    public async Task ABrokenEditIsLoggedWithItsLineAndTheLastGoodVersionIsStillSent()
    {
        Note("<p>Hi {{ firstName }}</p>");
        using var store = await StartedStoreAsync();
        var templates = new MailTemplates(store);

        var file = Write("en/note.html.liquid", "<p>Hi\n{{ firstName | }</p>");
        _clock.Advance(TemplateStore.ScanInterval);

        Assert.Equal("<p>Hi Ana</p>", templates.Render("en", "note", Model()).Html);
        var error = Assert.Single(_logger.Collector.GetSnapshot(), log => log.Level == LogLevel.Error);
        Assert.Contains($"{file}, line 2 does not parse", error.Message);

        // The same broken file is not parsed and reported again at every scan.
        _clock.Advance(TemplateStore.ScanInterval);
        Assert.Single(_logger.Collector.GetSnapshot(), log => log.Level == LogLevel.Error);
    }

    [Fact]
    public async Task ADeletedFileGivesBackTheBuiltInTemplateAndANewNameExistsOnceScanned()
    {
        var page = Write("en/page-newsletter.html.liquid", "<p>Our own newsletter page</p>");
        using var store = await StartedStoreAsync();
        var templates = new MailTemplates(store);
        Assert.Equal("<p>Our own newsletter page</p>", templates.RenderPage("en", "page-newsletter", Model()));
        Assert.False(templates.Exists("note"));

        File.Delete(page);
        Note("<p>x</p>");
        Write("de/note.subject.liquid", "Hallo");
        Write("de/note.html.liquid", "<p>x</p>");
        Write("de/note.text.liquid", "x");
        _clock.Advance(TemplateStore.ScanInterval);

        Assert.Equal(new MailTemplates().RenderPage("en", "page-newsletter", Model()), templates.RenderPage("en", "page-newsletter", Model()));
        Assert.True(templates.Exists("note"));
    }
}
