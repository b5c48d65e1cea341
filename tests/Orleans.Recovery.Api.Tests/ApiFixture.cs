using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Api.Tests;

/// <summary>A running API and the SMTP server it delivers to, shared by one test class.</summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public SmtpSink Smtp { get; private set; } = null!;

    public RecoveryApiFactory Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Smtp = await SmtpSink.StartAsync();
        Api = new RecoveryApiFactory(Smtp);
        _ = Api.Server;
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

/// <summary>An SMTP server on loopback for test classes that start their own API hosts.</summary>
public sealed class SmtpFixture : IAsyncLifetime
{
    public SmtpSink Smtp { get; private set; } = null!;

    public async Task InitializeAsync() => Smtp = await SmtpSink.StartAsync();

    public async Task DisposeAsync() => await Smtp.DisposeAsync();
}
