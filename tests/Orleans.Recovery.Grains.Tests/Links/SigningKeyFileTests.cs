using Orleans.Recovery.Links;

namespace Orleans.Recovery.Grains.Tests.Links;

[Trait("Category", "Unit")]
public sealed class SigningKeyFileTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("recovery-key-").FullName;

    [Fact]
    public async Task ProcessesStartingTogetherOnOneFolderAllUseTheOneKeyWritten()
    {
        var path = Path.Combine(_directory, "link-signing.key");

        var keys = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => SigningKeyFile.Create(path))));

        var written = SigningKeyFile.Read(path, out var problem);
        Assert.Null(problem);
        Assert.All(keys, key => Assert.Equal(written, key));
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n")]
    [InlineData("c2hvcnQ=")]
    [InlineData("%%%%")]
    public void AFileThatHoldsNoWholeKeyIsRefusedNamingTheSetting(string content)
    {
        var path = Path.Combine(_directory, "link-signing.key");
        File.WriteAllText(path, content);

        Assert.Null(SigningKeyFile.Read(path, out var problem));
        Assert.StartsWith("Recovery:Links:SigningKeyFile: ", problem);
    }
}
