using Orleans.Recovery.Api.Console;
using Orleans.Recovery.Api.Console.Flows;
using Orleans.Recovery.Api.Console.Overview;
using Orleans.Recovery.Flows;
using Orleans.Recovery.Ledger;

namespace Orleans.Recovery.Api.Tests.Console;

/// <summary>The console's own small rules, without a browser: wording, where sign-in returns to, and the flow form.</summary>
[Trait("Category", "Unit")]
public sealed class ConsoleRulesTests
{
    [Theory]
    [InlineData(0.041, 0.012, 0.070, "+4.1 points, 95 % CI +1.2 to +7.0")]
    [InlineData(-0.0149, -0.06, 0.031, "−1.5 points, 95 % CI −6.0 to +3.1")]
    [InlineData(0.0, -0.02, 0.02, "+0.0 points, 95 % CI −2.0 to +2.0")]
    public void TheLiftIsWordedInPointsWithItsInterval(double lift, double low, double high, string words)
    {
        var holdout = Holdout(entered: 40, treated: 360, lift, [low, high]);

        Assert.Equal(words, LiftWording.Describe(holdout));
        Assert.Equal(low > 0 || high < 0, LiftWording.IsClear(holdout));
    }

    [Fact]
    public void ALiftIsNotClaimedWithoutAHoldoutOrEnoughEntries()
    {
        Assert.Equal("No entries yet", LiftWording.Describe(Holdout(0, 0, null, null)));
        Assert.Equal("No holdout group: set a holdout share to measure the lift", LiftWording.Describe(Holdout(0, 12, null, null)));
        Assert.Equal("Not enough entries in both groups yet", LiftWording.Describe(Holdout(3, 0, null, null)));
    }

    [Theory]
    [InlineData("/console/leads", "/console/leads")]
    [InlineData("/dashboard", "/dashboard")]
    [InlineData("https://evil.example/console", "/console")]
    [InlineData("//evil.example/console", "/console")]
    [InlineData("/console//evil.example", "/console")]
    [InlineData("/console\\..\\x", "/console")]
    [InlineData("/console/sign-in", "/console")]
    [InlineData(null, "/console")]
    public void SigningInReturnsOnlyToAConsolePage(string? asked, string goesTo) => Assert.Equal(goesTo, ConsoleServices.SafeReturn(asked));

    [Fact]
    public void TheFlowFormKeepsNamesAndVariantsAndNamesWhatDoesNotParse()
    {
        var current = new FlowDefinition
        {
            Holdout = 0.1,
            Steps =
            [
                new FlowStep { Name = "reminder-1", Delay = TimeSpan.FromHours(1), Template = "cart-reminder", Variants = [new StepVariant { Name = "b", Weight = 2 }] },
                new FlowStep { Name = "reminder-2", Delay = TimeSpan.FromDays(1), Template = "cart-reminder", DiscountPercent = 10 },
            ],
        };
        var form = FlowForm.Of(current);
        Assert.Equal(("01:00:00", "10"), (form.Steps[0].Delay, form.Steps[1].Discount));

        form.Steps[0].Delay = "02:00:00";
        form.Steps[1].Discount = "";
        var (changed, errors) = form.ApplyTo(current);
        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromHours(2), changed!.Steps[0].Delay);
        Assert.Null(changed.Steps[1].DiscountPercent);
        Assert.Equal(["reminder-1", "reminder-2"], changed.Steps.Select(step => step.Name));
        Assert.Equal("b", Assert.Single(changed.Steps[0].Variants).Name);
        Assert.Equal(TimeSpan.FromHours(1), current.Steps[0].Delay);

        form.Steps[1].Delay = "tomorrow";
        form.Steps[1].Discount = "ten";
        form.Holdout = "a tenth";
        (changed, errors) = form.ApplyTo(current);
        Assert.Null(changed);
        Assert.Equal(["holdout", "steps[1].delay", "steps[1].discountPercent"], errors.Keys.Order(StringComparer.Ordinal));
    }

    private static HoldoutStats Holdout(long entered, long treated, double? lift, double[]? interval) =>
        new(entered, 0, null, treated, 0, null, lift, interval, null, []);
}
