using CallControl.Billing.Rating;
using CallControl.Billing.Tariffs;
using NodaTime;
using Shouldly;
using Xunit;
using static CallControl.Billing.Tests.PlanBuilder;

namespace CallControl.Billing.Tests.Rating;

/// <summary>Rate periods in Europe/Amsterdam (CET +01:00 in winter, CEST +02:00 in summer).</summary>
public class PeriodTests
{
    private const string Ams = "Europe/Amsterdam";

    private static RatedCall Rated(TariffBook book, Instant at, int seconds) =>
        Rater.Rate(book, "acc-1", "31201234567", at, Duration.FromSeconds(seconds)).ShouldBeOfType<RatedCall>();

    /// <summary>Weekdays: off-peak 00:00 0.02/min, peak 08:00 0.10/min, evening 19:00 0.02/min; weekend 0.01/min;
    /// Christmas (12-25) 0.005/min all day. All per second.</summary>
    private static TariffBook WeekPlan() => Books.Default(new PlanBuilder(zone: Ams)
        .Destination("NL", "31")
        .Rate("PEAK", Slot(0.10m, 60, 1)).Rate("OFF", Slot(0.02m, 60, 1)).Rate("WKND", Slot(0.01m, 60, 1)).Rate("HOL", Slot(0.005m, 60, 1))
        .DestinationRate("DR_PEAK", "NL", "PEAK").DestinationRate("DR_OFF", "NL", "OFF")
        .DestinationRate("DR_WKND", "NL", "WKND").DestinationRate("DR_HOL", "NL", "HOL")
        .Timing("T_PEAK", "1;2;3;4;5", "08:00:00")
        .Timing("T_MORNING", "1;2;3;4;5", "00:00:00")
        .Timing("T_EVENING", "1;2;3;4;5", "19:00:00")
        .Timing("T_WEEKEND", "6;7", "00:00:00")
        .Timing("T_XMAS", "", "00:00:00", monthDays: "25", months: "12")
        .Entry("DR_PEAK", "T_PEAK").Entry("DR_OFF", "T_MORNING").Entry("DR_OFF", "T_EVENING")
        .Entry("DR_WKND", "T_WEEKEND").Entry("DR_HOL", "T_XMAS")
        .Build());

    /// <summary>Every day: night 00:00 0.02/min, day 08:00 0.10/min, per second.</summary>
    private static TariffBook DailyPlan(string dayStart = "08:00:00", decimal dayPrice = 0.10m) => Books.Default(new PlanBuilder(zone: Ams)
        .Destination("NL", "31")
        .Rate("DAY", Slot(dayPrice, 60, 1)).Rate("NIGHT", Slot(0.02m, 60, 1))
        .DestinationRate("DR_DAY", "NL", "DAY").DestinationRate("DR_NIGHT", "NL", "NIGHT")
        .Timing("T_DAY", "", dayStart).Timing("T_NIGHT", "", "00:00:00")
        .Entry("DR_DAY", "T_DAY").Entry("DR_NIGHT", "T_NIGHT")
        .Build());

    [Fact]
    public void Call_crossing_peak_start_is_split()
    {
        // Wed 2026-03-25 07:58:30 CET (06:58:30Z), 180s.
        // 07:58:30-08:00:00 off-peak  90s * 0.02/60 = 0.03
        // 08:00:00-08:01:30 peak      90s * 0.10/60 = 0.15
        // total 0.18
        var start = Books.Local(Ams, 2026, 3, 25, 7, 58, 30);
        start.ShouldBe(Books.Utc(2026, 3, 25, 6, 58, 30));
        var call = Rated(WeekPlan(), start, 180);
        call.Parts.Count.ShouldBe(2);
        call.Parts[0].TimingId.ShouldBe("T_MORNING");
        call.Parts[0].Actual.ShouldBe(Duration.FromSeconds(90));
        call.Parts[0].Cost.ShouldBe(0.03m);
        call.Parts[1].TimingId.ShouldBe("T_PEAK");
        call.Parts[1].Start.ShouldBe(Books.Utc(2026, 3, 25, 7, 0));
        call.Parts[1].Cost.ShouldBe(0.15m);
        call.Total.ShouldBe(0.18m);
    }

    [Fact]
    public void Call_starting_exactly_at_the_boundary_is_one_part()
    {
        // Wed 08:00:00 CET sharp, 60s: all peak, 60/60*0.10 = 0.10; ending exactly at 08:00 is all off-peak.
        Rated(WeekPlan(), Books.Local(Ams, 2026, 3, 25, 8, 0), 60).Parts.Single().TimingId.ShouldBe("T_PEAK");
        var before = Rated(WeekPlan(), Books.Local(Ams, 2026, 3, 25, 7, 59), 60);
        before.Parts.Single().TimingId.ShouldBe("T_MORNING");
        before.Total.ShouldBe(0.02m);
    }

    [Fact]
    public void Evening_and_weekend_boundaries()
    {
        // Fri 2026-03-27 23:59:00 CET, 120s: 60s evening (0.02/min) = 0.02, then Saturday 60s weekend (0.01/min) = 0.01.
        var call = Rated(WeekPlan(), Books.Local(Ams, 2026, 3, 27, 23, 59), 120);
        call.Parts.Select(p => p.TimingId).ShouldBe(["T_EVENING", "T_WEEKEND"]);
        call.Total.ShouldBe(0.03m);
    }

    [Fact]
    public void Holiday_takes_precedence_over_weekday_peak()
    {
        // Fri 2026-12-25 10:00 CET is both a weekday in peak and Christmas: the holiday wins.
        // 60s * 0.005/60 = 0.005
        var call = Rated(WeekPlan(), Books.Local(Ams, 2026, 12, 25, 10, 0), 60);
        call.Parts.Single().TimingId.ShouldBe("T_XMAS");
        call.Total.ShouldBe(0.005m);
    }

    [Fact]
    public void Call_into_a_holiday_is_split_at_midnight()
    {
        // Thu 2026-12-24 23:59:30 CET, 60s: 30s evening 30*0.02/60 = 0.01; 30s Christmas 30*0.005/60 = 0.0025.
        var call = Rated(WeekPlan(), Books.Local(Ams, 2026, 12, 24, 23, 59, 30), 60);
        call.Parts.Select(p => p.TimingId).ShouldBe(["T_EVENING", "T_XMAS"]);
        call.Total.ShouldBe(0.0125m);
    }

    [Fact]
    public void Dst_spring_day_boundary_uses_summer_offset()
    {
        // Sun 2026-03-29: clocks go 02:00 CET -> 03:00 CEST. Day starts 08:00 CEST = 06:00Z (not 07:00Z).
        // Start 07:59 CEST (05:59Z), 120s: 60s night 0.02/min = 0.02, 60s day 0.10/min = 0.10, total 0.12.
        var start = Books.Local(Ams, 2026, 3, 29, 7, 59);
        start.ShouldBe(Books.Utc(2026, 3, 29, 5, 59));
        var call = Rated(DailyPlan(), start, 120);
        call.Parts[1].Start.ShouldBe(Books.Utc(2026, 3, 29, 6, 0));
        call.Parts.Select(p => p.Cost).ShouldBe([0.02m, 0.10m]);
        call.Total.ShouldBe(0.12m);
    }

    [Fact]
    public void Dst_spring_boundary_inside_the_skipped_hour_happens_when_the_gap_ends()
    {
        // "Day" starts at 02:30, which does not exist on 2026-03-29 (02:00 CET jumps to 03:00 CEST at 01:00Z).
        // Start 01:59 CET (00:59Z), 120s real time:
        //   00:59Z-01:00Z  60s night (local 01:59..02:00)  60*0.02/60 = 0.02
        //   01:00Z-01:01Z  60s day   (local 03:00..03:01)  60*0.06/60 = 0.06
        // total 0.08
        var book = DailyPlan("02:30:00", 0.06m);
        var call = Rated(book, Books.Utc(2026, 3, 29, 0, 59), 120);
        call.Parts.Count.ShouldBe(2);
        call.Parts[1].Start.ShouldBe(Books.Utc(2026, 3, 29, 1, 0));
        call.Parts.Select(p => p.Actual).ShouldBe([Duration.FromSeconds(60), Duration.FromSeconds(60)]);
        call.Total.ShouldBe(0.08m);
    }

    [Fact]
    public void Dst_autumn_repeated_hour_goes_back_to_the_earlier_period()
    {
        // Sun 2026-10-25: 03:00 CEST -> 02:00 CET at 01:00Z, so 02:00..03:00 local happens twice.
        // Day starts 02:30 (0.06/min), night 00:00 (0.02/min). Start 02:40 CEST (00:40Z), 3600s, ends 02:40 CET (01:40Z):
        //   00:40Z-01:00Z local 02:40-03:00 CEST day   1200s * 0.06/60 = 1.20
        //   01:00Z-01:30Z local 02:00-02:30 CET  night 1800s * 0.02/60 = 0.60
        //   01:30Z-01:40Z local 02:30-02:40 CET  day    600s * 0.06/60 = 0.60
        // total 2.40
        var book = DailyPlan("02:30:00", 0.06m);
        var start = Books.Utc(2026, 10, 25, 0, 40);
        var call = Rated(book, start, 3600);
        call.Parts.Select(p => p.TimingId).ShouldBe(["T_DAY", "T_NIGHT", "T_DAY"]);
        call.Parts.Select(p => p.Start).ShouldBe([start, Books.Utc(2026, 10, 25, 1, 0), Books.Utc(2026, 10, 25, 1, 30)]);
        call.Parts.Select(p => p.Cost).ShouldBe([1.20m, 0.60m, 0.60m]);
        call.Total.ShouldBe(2.40m);
    }

    [Fact]
    public void Dst_day_has_23_hours_of_night_and_day()
    {
        // Whole spring DST day 2026-03-29 00:00 CET (2026-03-28T23:00Z) to 2026-03-30 00:00 CEST (22:00Z): 23h real.
        // night 00:00-08:00 local = 7h real (one hour skipped) = 25200s * 0.02/60 = 8.40
        // day   08:00-24:00 local = 16h = 57600s * 0.10/60 = 96.00
        // total 104.40
        var call = Rated(DailyPlan(), Books.Utc(2026, 3, 28, 23, 0), 23 * 3600);
        call.Parts.Select(p => p.Actual).ShouldBe([Duration.FromHours(7), Duration.FromHours(16)]);
        call.Total.ShouldBe(104.40m);
    }

    [Fact]
    public void An_increment_is_priced_by_the_period_it_starts_in()
    {
        // Both periods bill 60s then 1s. Start 07:59:30 CET on Wed 2026-03-25, 90s.
        // first increment [0,60) starts off-peak -> 60/60 * 0.02 = 0.02 (its last 30s are already peak time)
        // [60,90) 30 x 1s peak -> 30/60 * 0.10 = 0.05. total 0.07
        var book = Books.Default(new PlanBuilder(zone: Ams)
            .Destination("NL", "31")
            .Rate("PEAK", Slot(0.10m, 60, 60), Slot(0.10m, 60, 1, 60)).Rate("OFF", Slot(0.02m, 60, 60), Slot(0.02m, 60, 1, 60))
            .DestinationRate("DR_PEAK", "NL", "PEAK").DestinationRate("DR_OFF", "NL", "OFF")
            .Timing("T_PEAK", "1;2;3;4;5", "08:00:00").Timing("T_OFF", "", "00:00:00")
            .Entry("DR_PEAK", "T_PEAK").Entry("DR_OFF", "T_OFF")
            .Build());
        var call = Rated(book, Books.Local(Ams, 2026, 3, 25, 7, 59, 30), 90);
        call.Parts.Select(p => (p.TimingId, p.Cost)).ShouldBe([("T_OFF", 0.02m), ("T_PEAK", 0.05m)]);
        call.Total.ShouldBe(0.07m);
    }

    [Fact]
    public void No_entry_in_force_is_refused()
    {
        // Only a weekday peak exists; Saturday has no rate -> refused, never free.
        var book = Books.Default(new PlanBuilder(zone: Ams)
            .Destination("NL", "31").Rate("PEAK", Slot(0.10m, 60, 1)).DestinationRate("DR_PEAK", "NL", "PEAK")
            .Timing("T_PEAK", "1;2;3;4;5", "08:00:00").Entry("DR_PEAK", "T_PEAK")
            .Build());
        Rater.Rate(book, "acc-1", "31201234567", Books.Local(Ams, 2026, 3, 28, 10, 0), Duration.FromSeconds(60))
            .ShouldBeOfType<NoRate>().Reason.ShouldBe(NoRateReason.NoRateInPeriod);
        // a Friday call running past midnight into Saturday is refused too
        Rater.Rate(book, "acc-1", "31201234567", Books.Local(Ams, 2026, 3, 27, 23, 59), Duration.FromSeconds(120))
            .ShouldBeOfType<NoRate>().Reason.ShouldBe(NoRateReason.NoRateInPeriod);
    }

    [Fact]
    public void Higher_weight_wins_over_later_start()
    {
        // Promo (weight 20, from 00:00) beats peak (weight 10, from 08:00) all day.
        var book = Books.Default(new PlanBuilder(zone: Ams)
            .Destination("NL", "31").Rate("PEAK", Slot(0.10m, 60, 1)).Rate("PROMO", Slot(0.01m, 60, 1))
            .DestinationRate("DR_PEAK", "NL", "PEAK").DestinationRate("DR_PROMO", "NL", "PROMO")
            .Timing("T_PEAK", "", "08:00:00").Timing("T_ALL", "", "00:00:00")
            .Entry("DR_PEAK", "T_PEAK", 10).Entry("DR_PROMO", "T_ALL", 20)
            .Build());
        Rated(book, Books.Local(Ams, 2026, 3, 25, 12, 0), 60).Total.ShouldBe(0.01m);
    }
}
