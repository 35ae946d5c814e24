using CallControl.Billing.Money;
using CallControl.Billing.Rating;
using CallControl.Billing.Tariffs;
using NodaTime;
using Shouldly;
using Xunit;
using static CallControl.Billing.Tests.PlanBuilder;

namespace CallControl.Billing.Tests.Rating;

public class RaterTests
{
    private static readonly Instant Noon = Books.Utc(2026, 3, 25, 12, 0);

    private static RatedCall Rated(TariffBook book, string to, Instant at, int seconds, string account = "acc-1") =>
        Rater.Rate(book, account, to, at, Duration.FromSeconds(seconds)).ShouldBeOfType<RatedCall>();

    // ---- demo plan ---------------------------------------------------------------------------------

    [Fact]
    public void Demo_uk_90s_first_minute_whole_then_per_second()
    {
        // +44: 0.10/60s, slot 0: increment 60s, slot 60s: increment 1s.
        // [0,60)  : 1 x 60s  -> 60/60 * 0.10 = 0.10
        // [60,90) : 30 x 1s  -> 30/60 * 0.10 = 0.05
        // total 0.15
        var call = Rated(Books.Default(Books.Demo()), "+447700900123", Noon, 90);
        call.Total.ShouldBe(0.15m);
        call.Currency.ShouldBe("EUR");
        call.Parts.Count.ShouldBe(2);
        call.Parts[0].Billed.ShouldBe(Duration.FromSeconds(60));
        call.Parts[0].Increments.ShouldBe(1);
        call.Parts[0].Cost.ShouldBe(0.10m);
        call.Parts[1].Billed.ShouldBe(Duration.FromSeconds(30));
        call.Parts[1].Increments.ShouldBe(30);
        call.Parts[1].Cost.ShouldBe(0.05m);
        call.DestinationId.ShouldBe("DST_44");
        call.MatchedPrefix.ShouldBe("44");
    }

    [Theory]
    // 1s    -> first increment 60s -> 0.10
    // 30s   -> 60s billed          -> 0.10
    // 60s   -> exactly one 60s increment -> 0.10
    // 61s   -> 60s + 1s: 0.10 + 1/60*0.10 = 0.10 + 0.0016666.. (*up, 4 decimals -> 0.0017) = 0.1017
    // 125s  -> 60s + 65s: 0.10 + 65/60*0.10 = 0.10 + 0.108333.. (up -> 0.1084) = 0.2084
    [InlineData(1, 0.10)]
    [InlineData(30, 0.10)]
    [InlineData(60, 0.10)]
    [InlineData(61, 0.1017)]
    [InlineData(125, 0.2084)]
    public void Demo_uk_60_then_1(int seconds, decimal expected) =>
        Rated(Books.Default(Books.Demo()), "447700900123", Noon, seconds).Total.ShouldBe(expected);

    [Theory]
    // +31: 0.02/60s in 1s increments.
    // 1s   -> 1/60*0.02   = 0.000333.. -> up 4 decimals 0.0004
    // 60s  -> 60/60*0.02  = 0.02
    // 125s -> 125/60*0.02 = 0.041666.. -> 0.0417
    // 3000s-> 3000/60*0.02= 1.00
    [InlineData(1, 0.0004)]
    [InlineData(60, 0.02)]
    [InlineData(125, 0.0417)]
    [InlineData(3000, 1.00)]
    public void Demo_nl_per_second(int seconds, decimal expected) =>
        Rated(Books.Default(Books.Demo()), "31201234567", Noon, seconds).Total.ShouldBe(expected);

    [Fact]
    public void Sub_second_durations_bill_the_started_increment()
    {
        // +31 1/1: 90.5s real -> 91 increments of 1s -> 91/60*0.02 = 0.030333.. -> up 4 decimals 0.0304
        var call = Rater.Rate(Books.Default(Books.Demo()), "acc-1", "31201234567", Noon, Duration.FromMilliseconds(90_500))
            .ShouldBeOfType<RatedCall>();
        call.Total.ShouldBe(0.0304m);
        call.Parts[0].Actual.ShouldBe(Duration.FromMilliseconds(90_500));
        call.Billed.ShouldBe(Duration.FromSeconds(91));
    }

    // ---- increments and groups ---------------------------------------------------------------------

    [Fact]
    public void Sixty_then_six()
    {
        // 0.06/60s; first 60s by 60s, then by 6s. Call 67s:
        // [0,60)  : 1 x 60s -> 0.06
        // [60,67) : 7s -> ceil(7/6) = 2 x 6s = 12s -> 12/60*0.06 = 0.012
        // total 0.072, billed 72s
        var book = Books.Default(new PlanBuilder().Simple("49", Slot(0.06m, 60, 60), Slot(0.06m, 60, 6, 60)).Build());
        var call = Rated(book, "4930123", Noon, 67);
        call.Total.ShouldBe(0.072m);
        call.Billed.ShouldBe(Duration.FromSeconds(72));
        call.Parts[1].Increments.ShouldBe(2);
        call.Parts[1].Actual.ShouldBe(Duration.FromSeconds(7));
    }

    [Fact]
    public void Group_with_different_prices_per_slot()
    {
        // Like CGRateS RT_40CNT: first 60s 0.40/min in 30s steps, then 0.20/min in 10s steps. Call 75s:
        // [0,60)  : 2 x 30s -> 60/60*0.40 = 0.40
        // [60,75) : ceil(15/10) = 2 x 10s = 20s -> 20/60*0.20 = 0.0666.. -> up 4 dec = 0.0667
        // total 0.4667
        var book = Books.Default(new PlanBuilder().Simple("33", Slot(0.40m, 60, 30), Slot(0.20m, 60, 10, 60)).Build());
        var call = Rated(book, "33612345678", Noon, 75);
        call.Total.ShouldBe(0.4667m);
        call.Parts[0].UnitPrice.ShouldBe(0.40m);
        call.Parts[1].UnitPrice.ShouldBe(0.20m);
        call.Parts[1].UnroundedCost.ShouldBe(20m * 0.20m / 60m);
    }

    [Fact]
    public void Connect_fee_charged_once_on_first_part()
    {
        // connect fee 0.05 (slot 0), 0.06/60s 1/1. Call 30s: 0.05 + 30/60*0.06 = 0.05 + 0.03 = 0.08
        var book = Books.Default(new PlanBuilder().Simple("32", Slot(0.06m, 60, 1, 0, connectFee: 0.05m)).Build());
        var call = Rated(book, "3221234567", Noon, 30);
        call.Total.ShouldBe(0.08m);
        call.ConnectFee.ShouldBe(0.05m);
        call.Parts[0].ConnectFee.ShouldBe(0.05m);
        call.Parts[0].UsageCost.ShouldBe(0.03m);
    }

    [Fact]
    public void Connect_fee_of_later_slots_is_ignored()
    {
        // CGRateS RT_10CNT: slot 0 fee 0.20 and slot 60s fee 0 -> only 0.20 once.
        // Call 90s: 0.20 + 60/60*0.10 + 30/60*0.05 = 0.20 + 0.10 + 0.025 = 0.325
        var book = Books.Default(new PlanBuilder().Simple("34", Slot(0.10m, 60, 60, 0, 0.20m), Slot(0.05m, 60, 1, 60, 0m)).Build());
        Rated(book, "34911234567", Noon, 90).Total.ShouldBe(0.325m);
    }

    [Fact]
    public void Zero_length_call_costs_nothing_not_even_the_connect_fee()
    {
        // Unanswered: no parts, total 0, no connect fee (documented rule).
        var book = Books.Default(new PlanBuilder().Simple("32", Slot(0.06m, 60, 1, 0, connectFee: 0.05m)).Build());
        var call = Rated(book, "3221234567", Noon, 0);
        call.Total.ShouldBe(0m);
        call.Parts.ShouldBeEmpty();
        call.ConnectFee.ShouldBe(0m);
    }

    [Fact]
    public void Minimum_duration_bills_short_calls_as_minimum()
    {
        // 0.06/60s 1/1, minimum 30s. 10s call -> billed 30s -> 30/60*0.06 = 0.03. 45s call -> 0.045.
        var book = Books.Default(new PlanBuilder()
            .Destination("D", "39").Rate("R", Slot(0.06m, 60, 1)).DestinationRate("DR", "D", "R", minimumSeconds: 30).Entry("DR")
            .Build());
        var shortCall = Rated(book, "39061234", Noon, 10);
        shortCall.Total.ShouldBe(0.03m);
        shortCall.Billed.ShouldBe(Duration.FromSeconds(30));
        shortCall.Parts[0].Actual.ShouldBe(Duration.FromSeconds(10));
        Rated(book, "39061234", Noon, 45).Total.ShouldBe(0.045m);
    }

    // ---- rounding ----------------------------------------------------------------------------------

    [Theory]
    // 0.01/60s 1/1, 10s -> 10/60*0.01 = 0.0016666..
    [InlineData(RoundingMethod.Up, 2, 0.01)]      // anything left over goes up
    [InlineData(RoundingMethod.Down, 2, 0.00)]    // truncated
    [InlineData(RoundingMethod.Middle, 2, 0.00)]  // 0.0017 < 0.005
    [InlineData(RoundingMethod.Up, 4, 0.0017)]
    [InlineData(RoundingMethod.Down, 4, 0.0016)]
    [InlineData(RoundingMethod.Middle, 4, 0.0017)] // 0.00166.. -> 0.0017 (past half)
    public void Rounding_methods(RoundingMethod method, int decimals, decimal expected)
    {
        var book = Books.Default(new PlanBuilder()
            .Destination("D", "1").Rate("R", Slot(0.01m, 60, 1)).DestinationRate("DR", "D", "R", method, decimals).Entry("DR")
            .Build());
        var call = Rated(book, "12125550100", Noon, 10);
        call.Total.ShouldBe(expected);
        call.Parts[0].Rounding.ShouldBe(new RoundingRule(method, decimals));
    }

    [Fact]
    public void Middle_rounds_half_away_from_zero()
    {
        // 0.03/60s 1/1, 5s -> 5/60*0.03 = 0.0025 exactly -> middle, 3 decimals: 0.003 (down would give 0.002)
        var book = Books.Default(new PlanBuilder()
            .Destination("D", "1").Rate("R", Slot(0.03m, 60, 1)).DestinationRate("DR", "D", "R", RoundingMethod.Middle, 3).Entry("DR")
            .Build());
        Rated(book, "12125550100", Noon, 5).Total.ShouldBe(0.003m);
    }

    // ---- maximum cost ------------------------------------------------------------------------------

    [Theory]
    // 0.60/60s (0.01/s) 1/1, max 0.50: 100s uncapped = 1.00 -> capped 0.50, both strategies.
    // 40s = 0.40 < 0.50 -> not reached.
    [InlineData(MaxCostStrategy.Cap, 100, 0.50, true)]
    [InlineData(MaxCostStrategy.Disconnect, 100, 0.50, true)]
    [InlineData(MaxCostStrategy.Cap, 40, 0.40, false)]
    public void Max_cost(MaxCostStrategy strategy, int seconds, decimal expected, bool reached)
    {
        var book = Books.Default(new PlanBuilder()
            .Destination("D", "1").Rate("R", Slot(0.60m, 60, 1))
            .DestinationRate("DR", "D", "R", maxCost: 0.50m, strategy: strategy).Entry("DR")
            .Build());
        var call = Rated(book, "12125550100", Noon, seconds);
        call.Total.ShouldBe(expected);
        call.MaxCostReached.ShouldBe(reached);
        call.Parts.Sum(p => p.Cost).ShouldBe(call.Total);
    }

    [Fact]
    public void Max_cost_includes_connect_fee_and_lowers_later_parts()
    {
        // connect 0.30, 0.60/60s 1/1, max 0.50, Amsterdam peak split is irrelevant here: one part.
        // 30s: 0.30 + 0.30 = 0.60 > 0.50 -> part cost 0.50 (fee 0.30 + usage 0.30 shown, cost lowered)
        var book = Books.Default(new PlanBuilder()
            .Destination("D", "1").Rate("R", Slot(0.60m, 60, 1, 0, 0.30m))
            .DestinationRate("DR", "D", "R", maxCost: 0.50m, strategy: MaxCostStrategy.Cap).Entry("DR")
            .Build());
        var call = Rated(book, "12125550100", Noon, 30);
        call.Total.ShouldBe(0.50m);
        call.Parts[0].MaxCostApplied.ShouldBeTrue();
        call.Parts[0].ConnectFee.ShouldBe(0.30m);
        call.Parts[0].UsageCost.ShouldBe(0.30m);
    }

    // ---- destinations ------------------------------------------------------------------------------

    [Fact]
    public void Longest_prefix_wins()
    {
        // 44 at 0.10/min, 447 (mobile) at 0.20/min, both 60/60. 60s to 447... -> 0.20; to 4420... -> 0.10
        var book = Books.Default(new PlanBuilder()
            .Simple("44", Slot(0.10m, 60, 60))
            .Simple("447", Slot(0.20m, 60, 60))
            .Build());
        Rated(book, "447700900123", Noon, 60).Total.ShouldBe(0.20m);
        Rated(book, "442071234567", Noon, 60).Total.ShouldBe(0.10m);
        Rated(book, "447700900123", Noon, 60).MatchedPrefix.ShouldBe("447");
    }

    [Fact]
    public void Any_destination_matches_everything_but_loses_to_any_prefix()
    {
        var book = Books.Default(new PlanBuilder()
            .Rate("R_ANY", Slot(1.00m, 60, 60)).DestinationRate("DR_ANY", "*any", "R_ANY").Entry("DR_ANY")
            .Simple("31", Slot(0.02m, 60, 60))
            .Build());
        Rated(book, "999", Noon, 60).Total.ShouldBe(1.00m);
        Rated(book, "31201234567", Noon, 60).Total.ShouldBe(0.02m);
    }

    [Fact]
    public void Unknown_destination_is_refused_never_free()
    {
        var book = Books.Default(Books.Demo());
        var result = Rater.Rate(book, "acc-1", "12125550100", Noon, Duration.FromSeconds(60)).ShouldBeOfType<NoRate>();
        result.Reason.ShouldBe(NoRateReason.NoDestination);
        result.Detail.ShouldContain("12125550100");
        // even when unanswered: a number without a rate is refused
        Rater.Rate(book, "acc-1", "12125550100", Noon, Duration.Zero).ShouldBeOfType<NoRate>();
    }

    [Theory]
    [InlineData("")]
    [InlineData("+")]
    [InlineData("31-20")]
    [InlineData("sip:bob")]
    public void Invalid_number_is_refused(string number) =>
        Rater.Rate(Books.Default(Books.Demo()), "acc-1", number, Noon, Duration.FromSeconds(60))
            .ShouldBeOfType<NoRate>().Reason.ShouldBe(NoRateReason.InvalidNumber);

    [Fact]
    public void No_profile_at_all_is_refused()
    {
        var book = TariffBook.Empty.Apply(new TariffPlanImported("RP", 1, Books.Demo(), Books.Epoch, Books.Epoch));
        Rater.Rate(book, "acc-1", "31201234567", Noon, Duration.FromSeconds(60))
            .ShouldBeOfType<NoRate>().Reason.ShouldBe(NoRateReason.NoTariffPlan);
    }
}

public class RatingReportTests
{
    [Fact]
    public void Describes_parts_and_refusals()
    {
        var book = Books.Default(Books.Demo());
        var text = RatingReport.Describe(Rater.Rate(book, "acc-1", "447700900123", Books.Utc(2026, 3, 25, 12, 0), Duration.FromSeconds(90)));
        text.ShouldContain("0.15 EUR");
        text.ShouldContain("1 x 60s = 60s billed at 0.10/60s");
        text.ShouldContain("30 x 1s = 30s billed");
        RatingReport.Describe(Rater.Rate(book, "acc-1", "1", Books.Utc(2026, 3, 25, 12, 0), Duration.FromSeconds(90)))
            .ShouldStartWith("refused: NoDestination");
    }
}
