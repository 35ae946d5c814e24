using CallControl.Billing.Money;
using CallControl.Billing.Rating;
using CallControl.Billing.Tariffs;
using CsCheck;
using NodaTime;
using Shouldly;
using Xunit;
using static CallControl.Billing.Tests.PlanBuilder;

namespace CallControl.Billing.Tests.Rating;

public class RaterProperties
{
    /// <summary>A random two-period Amsterdam plan for +31, a start within 2026 (both DST days included) and a call.</summary>
    internal sealed record Scenario(TariffBook Book, Instant Start, Duration Duration, decimal Balance, string Plan)
    {
        public override string ToString() => $"{Plan} start={Start} duration={Duration} balance={Balance}";
    }

    private static readonly Gen<RateSlot[]> GenSlots =
        Gen.Select(
            Gen.Int[1, 200_000].Select(i => i / 10_000m),      // price 0.0001 .. 20 per unit
            Gen.OneOf(1, 60),                              // unit seconds
            Gen.OneOf(1, 6, 30, 60),                       // first increment
            Gen.OneOf(0, 1, 6, 10),                        // later increment (0: single slot)
            Gen.Int[0, 30].Select(i => i / 100m))               // connect fee
        .Select((price, unit, first, later, fee) => later == 0
            ? new[] { Slot(price, unit, first, 0, fee) }
            : [Slot(price, unit, first, 0, fee), Slot(price / 2, unit, later, 60)]);

    private static readonly Gen<Scenario> GenScenario =
        Gen.Select(
            GenSlots, GenSlots,
            Gen.Enum<RoundingMethod>(), Gen.Int[0, 5],          // rounding
            Gen.OneOf(0, 0, 10, 45),                       // minimum seconds
            Gen.Int[0, 365 * 24 * 3600 - 1],                    // start offset in 2026
            Gen.Int[0, 7200],                                   // duration seconds
            Gen.Select(
                Gen.Int[0, 2000].Select(i => i / 100m),         // balance 0 .. 20.00
                Gen.Enum<MaxCostStrategy>(),                    // None: no max cost
                Gen.Int[1, 1000].Select(i => i / 100m)))        // max cost
        .Select((peak, off, method, decimals, minimum, startOffset, seconds, money) =>
        {
            var (balance, strategy, maxCost) = money;
            var max = strategy == MaxCostStrategy.None ? 0m : maxCost;
            var plan = new PlanBuilder(zone: "Europe/Amsterdam")
                .Destination("NL", "31").Rate("PEAK", peak).Rate("OFF", off)
                .DestinationRate("DR_PEAK", "NL", "PEAK", method, decimals, max, strategy, minimum)
                .DestinationRate("DR_OFF", "NL", "OFF", method, decimals, max, strategy, minimum)
                .Timing("T_PEAK", "1;2;3;4;5", "08:00:00").Timing("T_OFF", "", "00:00:00")
                .Entry("DR_PEAK", "T_PEAK").Entry("DR_OFF", "T_OFF")
                .Build();
            var describe = $"peak={Describe(peak)} off={Describe(off)} {method}/{decimals} min={minimum}s max={max} {strategy}";
            return new Scenario(Books.Default(plan), Books.Utc(2026, 1, 1, 0, 0).Plus(Duration.FromSeconds(startOffset)),
                Duration.FromSeconds(seconds), balance, describe);
        });

    private static string Describe(RateSlot[] slots) =>
        string.Join("|", slots.Select(s => $"{s.Price}/{s.Unit.TotalSeconds}s {s.Increment.TotalSeconds}s@{s.GroupIntervalStart.TotalSeconds} cf{s.ConnectFee}"));

    private static RatedCall Rate(Scenario s, Duration d) =>
        Rater.Rate(s.Book, "acc", "31201234567", s.Start, d).ShouldBeOfType<RatedCall>();

    [Fact]
    public void Total_is_the_sum_of_the_parts_and_parts_cover_the_call() =>
        GenScenario.Sample(s =>
        {
            var call = Rate(s, s.Duration);
            call.Total.ShouldBe(call.Parts.Sum(p => p.Cost));
            call.Parts.Sum(p => p.Actual.TotalSeconds).ShouldBe(s.Duration.TotalSeconds);
            call.Billed.ShouldBeGreaterThanOrEqualTo(s.Duration);
            foreach (var p in call.Parts)
            {
                if (!p.MaxCostApplied)
                {
                    p.Cost.ShouldBe(p.ConnectFee + p.UsageCost);
                }
                p.Cost.ShouldBeGreaterThanOrEqualTo(0m);
                p.UsageCost.ShouldBe(p.Rounding.Apply(p.UnroundedCost));
                p.Billed.ShouldBe(p.Increment * p.Increments);
            }
            if (s.Duration == Duration.Zero)
            {
                call.Total.ShouldBe(0m);
            }
        }, iter: 2000);

    [Fact]
    public void Max_cost_reached_is_shown_on_a_part() =>
        GenScenario.Sample(s =>
        {
            var call = Rate(s, s.Duration);
            if (call.MaxCostReached)
            {
                call.Parts.ShouldContain(p => p.MaxCostApplied);
            }
        }, iter: 500);

    [Fact]
    public void Cost_never_decreases_with_duration() =>
        GenScenario.Sample(s =>
        {
            Rate(s, s.Duration + Duration.FromSeconds(1)).Total.ShouldBeGreaterThanOrEqualTo(Rate(s, s.Duration).Total);
        }, iter: 1000);

    [Fact]
    public void Max_duration_is_affordable_and_one_more_increment_is_not() =>
        GenScenario.Sample(s =>
        {
            var max = Rater.MaxDuration(s.Book, "acc", "31201234567", s.Start, s.Balance);
            max.Refusal.ShouldBeNull();
            var atMax = Rate(s, max.Duration);
            atMax.Total.ShouldBeLessThanOrEqualTo(s.Balance);
            atMax.Total.ShouldBe(max.Cost, $"{max} {RatingReport.Describe(atMax)}");
            if (max.Duration > Duration.Zero)
            {
                atMax.Billed.ShouldBe(max.Duration, $"{max} {RatingReport.Describe(atMax)}"); // whole increments
            }
            // 1 ms more bills the next whole increment
            var oneMore = Rate(s, max.Duration + Duration.FromMilliseconds(1));
            switch (max.LimitedBy)
            {
                case MaxDurationLimit.Balance:
                    oneMore.Total.ShouldBeGreaterThan(s.Balance);
                    break;
                case MaxDurationLimit.MaxCost:
                    // strategy disconnect: the next increment would pass the maximum cost
                    atMax.MaxCostReached.ShouldBeFalse();
                    oneMore.MaxCostReached.ShouldBeTrue();
                    break;
                default:
                    // whole increments up to the ceiling
                    max.LimitedBy.ShouldBe(MaxDurationLimit.Ceiling);
                    max.Duration.ShouldBeLessThanOrEqualTo(Rater.DefaultCeiling);
                    oneMore.Billed.ShouldBeGreaterThan(Rater.DefaultCeiling);
                    break;
            }
        }, iter: 1000);
}
