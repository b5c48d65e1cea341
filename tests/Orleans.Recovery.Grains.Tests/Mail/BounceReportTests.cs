using Orleans.Recovery.Mail.Bounces;
using Orleans.Recovery.Testing;

namespace Orleans.Recovery.Grains.Tests.Mail;

/// <summary>
/// Reading what comes back to the bounce mailbox, from the fixtures in Bounces/ (Postfix, Exim and qmail bounces, a
/// sendmail warning, ARF reports, an auto-reply, a success notice), each carrying a real-looking token where the
/// message's return path was, and decoy link tokens in the returned copy.
/// </summary>
[Trait("Category", "Unit")]
public sealed class BounceReportTests
{
    private const string Token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_aBcD.QrStUvWxYz0123456789-_ab";
    private static readonly DateTimeOffset Now = new(2026, 12, 8, 12, 0, 0, TimeSpan.Zero);

    private static IReadOnlyList<MailEvent> Read(string name) => BounceReports.Read(BounceMail.Load(name, Token), token => token == Token, Now);

    [Theory]
    [InlineData("dsn-postfix-hard", MailEventKind.HardBounce, "5.1.1", "ana@example.com")]
    [InlineData("dsn-postfix-delayed", MailEventKind.SoftBounce, "4.2.2", "carla@example.com")]
    [InlineData("dsn-exim-hard", MailEventKind.HardBounce, "5.0.0", "ana@example.com")]
    public void ADeliveryStatusNotificationNamesItsMessageRecipientAndStatus(string name, MailEventKind kind, string status, string recipient)
    {
        var reported = Assert.Single(Read(name));
        Assert.Equal((kind, status, recipient, Token), (reported.Kind, reported.Status, reported.Recipient, reported.Token));
        Assert.Equal(MailEvent.Sources.Mailbox, reported.Source);
    }

    [Theory]
    [InlineData("bounce-nonstandard-hard", MailEventKind.HardBounce, "5.1.1")]
    [InlineData("bounce-nonstandard-soft", MailEventKind.SoftBounce, "4.2.2")]
    public void APlainTextBounceIsReadFromItsWords(string name, MailEventKind kind, string status)
    {
        var reported = Assert.Single(Read(name));
        Assert.Equal((kind, status, Token), (reported.Kind, reported.Status, reported.Token));
    }

    [Fact]
    public void AnAbuseReportIsAComplaintFoundByItsOriginalMailFrom()
    {
        var reported = Assert.Single(Read("arf-complaint"));
        Assert.Equal((MailEventKind.Complaint, "abuse", "ben@example.com", Token), (reported.Kind, reported.Status, reported.Recipient, reported.Token));
    }

    [Fact]
    public void ARedactedAbuseReportIsStillFoundByTheReturnPathOfTheMessageItQuotes()
    {
        var reported = Assert.Single(Read("arf-complaint-redacted"));
        Assert.Equal((MailEventKind.Complaint, Token), (reported.Kind, reported.Token));
        Assert.NotEqual("ben@example.com", reported.Recipient);
    }

    [Theory]
    [InlineData("auto-reply")]
    [InlineData("dsn-success")]
    public void AnAutoReplyOrASuccessNoticeIsNoBounce(string name) => Assert.Empty(Read(name));

    [Fact]
    public void OnlyATokenOfOursCounts()
    {
        // The same report with a token the engine did not issue: no token, the address is all there is.
        var reported = Assert.Single(BounceReports.Read(BounceMail.Load("dsn-postfix-hard", Token), _ => false, Now));
        Assert.Null(reported.Token);
        Assert.Equal("ana@example.com", reported.Recipient);
    }

    [Fact]
    public void TheSameReportReadTwiceHasTheSameId() =>
        Assert.Equal(Read("dsn-postfix-hard")[0].EventId, Read("dsn-postfix-hard")[0].EventId);
}
