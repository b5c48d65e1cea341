using MathNet.Numerics;
using Orleans.Recovery.FollowUps;
using Orleans.Recovery.Ledger;
using Orleans.Recovery.Flows;

namespace Orleans.Recovery.Grains.Tests.Reports;

/// <summary>The rules behind the results: attribution, holdouts, lift and variant tests, without a cluster.</summary>
[Trait("Category", "Unit")]
public sealed class ResultRulesTests
{
    private static readonly DateTimeOffset Order = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromDays(5);

    private static Touch Sent(string id, TimeSpan before, bool marketing = true, string flow = "cart-abandonment", params TimeSpan[] clickedBefore) =>
        new(id, flow, 1, null, marketing, Order - before, [.. clickedBefore.Select(ago => Order - ago)]);

    [Fact]
    public void AnOrderIsCreditedToTheLastMessageClickedWithinTheWindowWhenTwoFlowsCompete()
    {
        var cart = Sent("cart", TimeSpan.FromDays(3), clickedBefore: TimeSpan.FromDays(2));
        var payment = Sent("payment", TimeSpan.FromDays(2), flow: "incomplete-payment", clickedBefore: TimeSpan.FromHours(1));
        var sentLaterButNotClicked = Sent("cart-2", TimeSpan.FromMinutes(30));

        Assert.Equal("payment", Attribution.For(Order, [cart, payment, sentLaterButNotClicked], AttributionModel.Click, Window)?.MessageId);
        Assert.Equal("cart-2", Attribution.For(Order, [cart, payment, sentLaterButNotClicked], AttributionModel.Send, Window)?.MessageId);
    }

    [Fact]
    public void AClickOutsideTheWindowOrAfterTheOrderCreditsNothing()
    {
        var tooEarly = Sent("early", TimeSpan.FromDays(7), clickedBefore: TimeSpan.FromDays(5) + TimeSpan.FromSeconds(1));
        var clickedAfter = Sent("after", TimeSpan.FromDays(1), clickedBefore: -TimeSpan.FromMinutes(5));

        Assert.Null(Attribution.For(Order, [tooEarly, clickedAfter], AttributionModel.Click, Window));
        Assert.Equal("early", Attribution.For(Order, [Sent("early", TimeSpan.FromDays(7), clickedBefore: TimeSpan.FromDays(5))], AttributionModel.Click, Window)?.MessageId);
    }

    [Fact]
    public void AnOrderBeforeAnySendIsNotRecoveredAndTransactionalMailNeverCounts()
    {
        var sentAfterTheOrder = Sent("late", -TimeSpan.FromHours(1), clickedBefore: -TimeSpan.FromHours(2));
        var confirmation = Sent("confirmation", TimeSpan.FromHours(2), marketing: false, flow: "post-purchase", clickedBefore: TimeSpan.FromHours(1));

        foreach (var model in Enum.GetValues<AttributionModel>())
        {
            Assert.Null(Attribution.For(Order, [sentAfterTheOrder, confirmation], model, Window));
        }
    }

    [Fact]
    public void HalfHeldOutOverFourHundredCustomersLandsWithinItsBinomialBoundsAndStaysPut()
    {
        var customers = Enumerable.Range(1, 400).Select(i => $"shopper-{i}@example.com").ToList();
        var held = customers.Where(c => Holdout.IsHeldOut("cart-abandonment", c, 0.5)).ToList();

        // Binomial(400, 0.5): mean 200, standard deviation 10; three of them either side.
        Assert.InRange(held.Count, 170, 230);
        Assert.Equal(held, customers.Where(c => Holdout.IsHeldOut("cart-abandonment", c, 0.5)));

        // A larger share only adds customers, the share is capped at half, and each flow draws its own group.
        var fifth = customers.Where(c => Holdout.IsHeldOut("cart-abandonment", c, 0.2)).ToList();
        Assert.All(fifth, c => Assert.Contains(c, held));
        Assert.Equal(held, customers.Where(c => Holdout.IsHeldOut("cart-abandonment", c, 0.9)));
        Assert.NotEqual(held, customers.Where(c => Holdout.IsHeldOut("incomplete-payment", c, 0.5)));
        Assert.DoesNotContain(customers, c => Holdout.IsHeldOut("cart-abandonment", c, 0));
    }

    [Fact]
    public void TheLiftsIntervalIsNewcombesAndMeetsWaldsWhenTheGroupsAreLarge()
    {
        // Newcombe (1998), example (a): 56/70 against 48/80, method 10.
        var small = new Lift(70, 56, 80, 48);
        Assert.Equal(0.2, small.Difference!.Value, 4);
        Assert.Equal(0.0524, small.Interval95!.Value.Low, 3);
        Assert.Equal(0.3339, small.Interval95!.Value.High, 3);

        // With 100,000 in each group the score interval and the Wald interval agree.
        var large = new Lift(100_000, 5_000, 100_000, 4_000);
        var wald = 1.96 * Math.Sqrt(0.05 * 0.95 / 100_000 + 0.04 * 0.96 / 100_000);
        Assert.Equal(0.01 - wald, large.Interval95!.Value.Low, 4);
        Assert.Equal(0.01 + wald, large.Interval95!.Value.High, 4);
        Assert.Equal(1_000, large.IncrementalOrders!.Value, 6);
    }

    [Fact]
    public void AFlowWithNoConversionsYetHasAFiniteIntervalAroundZeroAndAnEmptyGroupHasNone()
    {
        var none = new Lift(50, 0, 50, 0).Interval95!.Value;
        Assert.InRange(0, none.Low, none.High);
        Assert.True(none.Low >= -1 && none.High <= 1);
        Assert.Null(new Lift(50, 3, 0, 0).Interval95);
    }

    [Fact]
    public void AClearWinnerIsBestWithMoreThanNinetyFivePercentAndEqualVariantsSplitEvenly()
    {
        var clear = VariantTest.ProbabilityBest([new("A", 1_000, 100), new("B", 1_000, 60)]);
        Assert.True(clear["A"] > 0.95, $"A is best with {clear["A"]}");
        Assert.Equal(1, clear.Values.Sum(), 3);

        var even = VariantTest.ProbabilityBest([new("A", 500, 40), new("B", 500, 40), new("C", 500, 40)]);
        Assert.All(even.Values, p => Assert.Equal(1 / 3.0, p, 2));
    }

    [Fact]
    public void TwoVariantsAgreeWithTheClosedForm()
    {
        var best = VariantTest.ProbabilityBest([new("A", 200, 20), new("B", 220, 30)]);

        // P(B beats A) for Beta posteriors, summed exactly (Evan Miller's formula), as an independent check.
        double aA = 21, bA = 181, aB = 31, bB = 191;
        var closed = Enumerable.Range(0, (int)aB).Sum(i =>
            Math.Exp(SpecialFunctions.BetaLn(aA + i, bA + bB) - Math.Log(bB + i) - SpecialFunctions.BetaLn(1 + i, bB) - SpecialFunctions.BetaLn(aA, bA)));
        Assert.Equal(closed, best["B"], 4);
        Assert.Equal(1 - closed, best["A"], 4);
    }

    [Fact]
    public void AVariantWithFewerThanAHundredRecipientsIsTooEarlyToCall()
    {
        Assert.True(VariantTest.TooFewToCall([new("A", 99, 10), new("B", 5_000, 400)]));
        Assert.False(VariantTest.TooFewToCall([new("A", 100, 10), new("B", 5_000, 400)]));
    }

    [Fact]
    public void APaymentReminderRecoversItsOwnOrderByItsSendEvenUnderTheClickModelAndAReviewRequestNever()
    {
        var cartClicked = Sent("cart", TimeSpan.FromDays(2), clickedBefore: TimeSpan.FromDays(1));
        var reminder = Sent("reminder", TimeSpan.FromHours(3), flow: "incomplete-payment") with { OrderId = "o-1" };
        var review = Sent("review", TimeSpan.FromHours(1), flow: "post-purchase", clickedBefore: TimeSpan.FromMinutes(30));

        Assert.Equal("reminder", Attribution.For(Order, [cartClicked, reminder, review], AttributionModel.Click, Window, "o-1")?.MessageId);

        // Another order of the same customer is not that reminder's to recover: its clicks count, not its send.
        Assert.Equal("cart", Attribution.For(Order, [cartClicked, reminder, review], AttributionModel.Click, Window, "o-2")?.MessageId);
    }

    [Fact]
    public void AnEntryConvertsByTheFirstOrderWithinTheWindowAfterAnyOfItsSteps()
    {
        var decided = new[] { Order - TimeSpan.FromDays(9), Order - TimeSpan.FromDays(2) };
        var tooLate = new Conversion("late", Order + TimeSpan.FromDays(4));
        var first = new Conversion("first", Order - TimeSpan.FromDays(1));
        var beforeAnyStep = new Conversion("before", Order - TimeSpan.FromDays(10));
        var betweenWindows = new Conversion("between", Order - TimeSpan.FromDays(3));

        Assert.Equal("first", EntryConversion.Of(decided, [tooLate, first, beforeAnyStep, betweenWindows], Window)?.OrderId);
        Assert.Equal("between", EntryConversion.Of([Order - TimeSpan.FromDays(9), Order - TimeSpan.FromDays(4)], [betweenWindows, first], Window)?.OrderId);
        Assert.Null(EntryConversion.Of(decided, [tooLate, beforeAnyStep], Window));
    }

    [Fact]
    public void AStepIsDecidedWhenItCameDueNotWhenAPurchaseOrACancellationWithdrewIt()
    {
        Assert.True(StepDecision.IsDecided(MessageEventKind.Sent, null));
        Assert.True(StepDecision.IsDecided(MessageEventKind.Skipped, SkipReason.Holdout));
        Assert.True(StepDecision.IsDecided(MessageEventKind.Skipped, SkipReason.Unsubscribed));
        Assert.True(StepDecision.IsHoldout(MessageEventKind.Skipped, SkipReason.Holdout));
        foreach (var withdrawn in new[] { SkipReason.Purchased, SkipReason.CartDeleted, SkipReason.PaymentSucceeded, SkipReason.Expired })
        {
            Assert.False(StepDecision.IsDecided(MessageEventKind.Skipped, withdrawn));
        }

        Assert.False(StepDecision.IsDecided(MessageEventKind.Deferred, SkipReason.QuietHours));
        Assert.False(StepDecision.IsDecided(MessageEventKind.Planned, null));
    }

    [Fact]
    public void StatsAddUpPerFlowNeverMixCurrenciesAndFlagAVariantTestWithFewRecipients()
    {
        CountRow Row(int step, string variant, string metric, long count, string detail = "", decimal amount = 0) =>
            new("cart-abandonment", step, variant, metric, detail, count, amount);
        var stats = StatsReport.From(
        [
            Row(0, "", LedgerMetric.Entered, 10), Row(0, "", LedgerMetric.TreatedEntered, 8), Row(0, "", LedgerMetric.ControlEntered, 2),
            Row(1, "a", LedgerMetric.Sent, 40), Row(1, "b", LedgerMetric.Sent, 4), Row(1, "a", LedgerMetric.Recovered, 3), Row(1, "b", LedgerMetric.Recovered, 1),
            Row(1, "a", LedgerMetric.Revenue, 0, "EUR", 30m), Row(1, "b", LedgerMetric.Revenue, 0, "USD", 12.5m), Row(2, "", LedgerMetric.Revenue, 0, "EUR", 10m),
            Row(2, "", LedgerMetric.Recovered, 1), Row(2, "", LedgerMetric.Skipped, 2, "purchased"), Row(2, "", LedgerMetric.Skipped, 1, "holdout"),
        ], ["cart-abandonment"]).Single();

        Assert.Equal((44L, 5L), (stats.Sent, stats.Recovered));
        Assert.Equal([new CurrencyAmount("EUR", 40m), new CurrencyAmount("USD", 12.5m)], stats.Revenue);
        Assert.Equal(new Dictionary<string, long> { ["holdout"] = 1, ["purchased"] = 2 }, stats.Skipped);
        Assert.Equal(5 / 8d, stats.RecoveryRate);
        Assert.True(stats.Steps[0].TooFewToCall);
        Assert.Equal(1, stats.Steps[0].Variants.Sum(v => v.ProbabilityBest!.Value), 6);
        Assert.Empty(stats.Steps[1].Variants);
    }
}
