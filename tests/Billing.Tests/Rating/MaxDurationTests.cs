using CallControl.Billing.Money;
using CallControl.Billing.Rating;
using CallControl.Billing.Tariffs;
using NodaTime;
using Shouldly;
using Xunit;
using static CallControl.Billing.Tests.PlanBuilder;

namespace CallControl.Billing.Tests.Rating;

public class MaxDurationTests
{
    private static readonly Instant Noon = Books.Utc(2026, 3, 25, 12, 0);

    private static MaxDurationResult Max(TariffBook book, string to, decimal balance, Instant? at = null) =>
        Rater.MaxDuration(book, "acc-1", to, at ?? Noon, balance);

    [Fact]
    public void One_euro_to_nl_at_two_cents_a_minute_is_3000_seconds()
    {
        // 1.00 / (0.02/60 per second) = 3000s; cost of 3000s = 1.00; 3001s would cost 1.0004 (up) > 1.00
        var result = Max(Books.Default(Books.Demo()), "31201234567", 1.00m);
        result.Duration.ShouldBe(Duration.FromSeconds(3000));
        result.Cost.ShouldBe(1.00m);
        result.LimitedBy.ShouldBe(MaxDurationLimit.Balance);
        result.Currency.ShouldBe("EUR");
    }

    [Fact]
    public void One_euro_to_uk_is_600_seconds()
    {
        // first 60s cost 0.10; 0.90 left at 0.10/60 per second = 540s -> 600s, cost exactly 1.00
        var result = Max(Books.Default(Books.Demo()), "447700900123", 1.00m);
        result.Duration.ShouldBe(Duration.FromSeconds(600));
        result.Cost.ShouldBe(1.00m);
    }

    [Fact]
    public void Unaffordable_first_increment_gives_zero()
    {
        // +44 bills the first 60s whole for 0.10; 0.05 does not cover it.
        var result = Max(Books.Default(Books.Demo()), "447700900123", 0.05m);
        result.Duration.ShouldBe(Duration.Zero);
        result.IsAdmissible.ShouldBeFalse();
        Max(Books.Default(Books.Demo()), "447700900123", 0m).Duration.ShouldBe(Duration.Zero);
    }

    [Fact]
    public void Connect_fee_is_paid_first()
    {
        // fee 0.05, 0.06/60s per second: 0.10 - 0.05 = 0.05 left / 0.001 per second = 50s
        var book = Books.Default(new PlanBuilder().Simple("32", Slot(0.06m, 60, 1, 0, 0.05m)).Build());
        Max(book, "3221234567", 0.10m).Duration.ShouldBe(Duration.FromSeconds(50));
        Max(book, "3221234567", 0.04m).Duration.ShouldBe(Duration.Zero);
    }

    [Fact]
    public void Rounding_up_is_respected()
    {
        // 0.60/60s (0.01/s) per second rounded up to 2 decimals. Balance 0.055:
        // 5s = 0.05 <= 0.055, 6s = 0.06 > 0.055 -> 5s
        var book = Books.Default(new PlanBuilder()
            .Destination("D", "1").Rate("R", Slot(0.60m, 60, 1)).DestinationRate("DR", "D", "R", RoundingMethod.Up, 2).Entry("DR")
            .Build());
        Max(book, "12125550100", 0.055m).Duration.ShouldBe(Duration.FromSeconds(5));
    }

    [Fact]
    public void Grant_spanning_a_period_boundary()
    {
        // Wed 2026-03-25 07:59 CET: off-peak 0.02/min until 08:00, then peak 0.10/min, per second.
        // 60s off-peak cost 0.02; balance 0.12 leaves 0.10 for peak = 60s -> 120s
        var book = Books.Default(new PlanBuilder(zone: "Europe/Amsterdam")
            .Destination("NL", "31").Rate("PEAK", Slot(0.10m, 60, 1)).Rate("OFF", Slot(0.02m, 60, 1))
            .DestinationRate("DR_PEAK", "NL", "PEAK").DestinationRate("DR_OFF", "NL", "OFF")
            .Timing("T_PEAK", "1;2;3;4;5", "08:00:00").Timing("T_OFF", "", "00:00:00")
            .Entry("DR_PEAK", "T_PEAK").Entry("DR_OFF", "T_OFF")
            .Build());
        var result = Max(book, "31201234567", 0.12m, Books.Local("Europe/Amsterdam", 2026, 3, 25, 7, 59));
        result.Duration.ShouldBe(Duration.FromSeconds(120));
        result.Cost.ShouldBe(0.12m);
    }

    [Fact]
    public void Sixty_by_six_grants_whole_increments()
    {
        // 0.06/60s, 60s then 6s steps (0.006 per step). Balance 0.10: 0.06 + 6 steps (0.036) = 0.096; 7 steps = 0.102 > 0.10
        // -> 60 + 36 = 96s
        var book = Books.Default(new PlanBuilder().Simple("49", Slot(0.06m, 60, 60), Slot(0.06m, 60, 6, 60)).Build());
        var result = Max(book, "4930123", 0.10m);
        result.Duration.ShouldBe(Duration.FromSeconds(96));
        result.Cost.ShouldBe(0.096m);
    }

    [Fact]
    public void Disconnect_max_cost_limits_the_grant()
    {
        // 0.60/60s per second, max cost 0.50 *disconnect: with 10.00 available, grant stops at 50s (cost 0.50)
        var book = Books.Default(new PlanBuilder()
            .Destination("D", "1").Rate("R", Slot(0.60m, 60, 1))
            .DestinationRate("DR", "D", "R", maxCost: 0.50m, strategy: MaxCostStrategy.Disconnect).Entry("DR")
            .Build());
        var result = Max(book, "12125550100", 10m);
        result.Duration.ShouldBe(Duration.FromSeconds(50));
        result.LimitedBy.ShouldBe(MaxDurationLimit.MaxCost);
    }

    [Fact]
    public void Capped_max_cost_grants_the_ceiling_when_the_cap_is_affordable()
    {
        var book = Books.Default(new PlanBuilder()
            .Destination("D", "1").Rate("R", Slot(0.60m, 60, 1))
            .DestinationRate("DR", "D", "R", maxCost: 0.50m, strategy: MaxCostStrategy.Cap).Entry("DR")
            .Build());
        var result = Max(book, "12125550100", 0.50m);
        result.Duration.ShouldBe(Rater.DefaultCeiling);
        result.Cost.ShouldBe(0.50m);
        result.LimitedBy.ShouldBe(MaxDurationLimit.Ceiling);
        // below the cap the balance limits: 0.30 -> 30s
        Max(book, "12125550100", 0.30m).Duration.ShouldBe(Duration.FromSeconds(30));
    }

    [Fact]
    public void Ceiling_limits_a_rich_account()
    {
        // 1000.00 EUR at 0.02/min would be 50000 min; a 3h ceiling grants 10800s costing 3.60
        var result = Max(Books.Default(Books.Demo()), "31201234567", 1000m);
        result.Duration.ShouldBe(Duration.FromHours(3));
        result.Cost.ShouldBe(3.60m);
        result.LimitedBy.ShouldBe(MaxDurationLimit.Ceiling);
    }

    [Fact]
    public void Minimum_duration_must_be_affordable()
    {
        // 0.06/60s per second, minimum 30s (0.03). 0.02 cannot pay the minimum -> 0; 0.04 -> 40s
        var book = Books.Default(new PlanBuilder()
            .Destination("D", "39").Rate("R", Slot(0.06m, 60, 1)).DestinationRate("DR", "D", "R", minimumSeconds: 30).Entry("DR")
            .Build());
        Max(book, "39061234", 0.02m).Duration.ShouldBe(Duration.Zero);
        Max(book, "39061234", 0.04m).Duration.ShouldBe(Duration.FromSeconds(40));
    }

    [Fact]
    public void Refused_destination_has_no_grant()
    {
        var result = Max(Books.Default(Books.Demo()), "12125550100", 100m);
        result.LimitedBy.ShouldBe(MaxDurationLimit.Refused);
        result.Refusal!.Reason.ShouldBe(NoRateReason.NoDestination);
        result.Duration.ShouldBe(Duration.Zero);
    }

    [Fact]
    public void Grant_stops_where_the_rate_ends()
    {
        // Only a Friday rate exists; Friday 23:59:00 UTC, balance plenty -> 60s until Saturday
        var book = Books.Default(new PlanBuilder()
            .Destination("NL", "31").Rate("R", Slot(0.02m, 60, 1)).DestinationRate("DR", "NL", "R")
            .Timing("T_FRI", "5", "00:00:00").Entry("DR", "T_FRI")
            .Build());
        var result = Max(book, "31201234567", 100m, Books.Utc(2026, 3, 27, 23, 59));
        result.Duration.ShouldBe(Duration.FromSeconds(60));
        result.LimitedBy.ShouldBe(MaxDurationLimit.RateEnds);
    }
}
