using CallControl.Provisioning;
using CallControl.Routing;
using NodaTime;
using Shouldly;
using Xunit;
using static CallControl.Tests.Routing.RoutingWorld;

namespace CallControl.Tests.Routing;

public class LcrTimeWindowTests
{
    // +44 goes through carrier "uk" only during Amsterdam business hours; otherwise the shorter "+" rule applies.
    private static readonly RoutingSnapshot BusinessHours = Snapshot(Demo() with
    {
        Lcr =
        [
            new LcrRuleSpec { Prefix = "+", Carriers = [new LcrCarrierSpec { Carrier = "default" }] },
            new LcrRuleSpec
            {
                Prefix = "+44", Carriers = [new LcrCarrierSpec { Carrier = "uk" }],
                Window = new TimeWindowSpec { Days = ["mon", "tue", "wed", "thu", "fri"], From = "08:00", To = "18:00", Zone = "Europe/Amsterdam" },
            },
        ],
    });

    private static string RuleAt(Instant now) =>
        BusinessHours.Call(AcmeHq, "+442071234567", now: now).Candidates.Single(c => c.Kind == "lcr" && c.Outcome == "matched").Id;

    [Fact]
    public void The_same_UTC_time_is_inside_the_window_in_summer_time_and_outside_in_winter_time()
    {
        // 06:30 UTC: 08:30 CEST on Monday 30 March (after the switch on the 29th), 07:30 CET on Friday 27 March.
        RuleAt(Instant.FromUtc(2026, 3, 30, 6, 30)).ShouldBe("+44");
        RuleAt(Instant.FromUtc(2026, 3, 27, 6, 30)).ShouldBe("+");
        // And back in autumn: Friday 23 October still CEST (open), Monday 26 October CET (closed).
        RuleAt(Instant.FromUtc(2026, 10, 23, 6, 30)).ShouldBe("+44");
        RuleAt(Instant.FromUtc(2026, 10, 26, 6, 30)).ShouldBe("+");
    }

    [Fact]
    public void The_window_closes_at_its_end_and_skips_weekends_with_a_reason()
    {
        RuleAt(Instant.FromUtc(2026, 7, 1, 15, 59)).ShouldBe("+44"); // 17:59 CEST
        RuleAt(Instant.FromUtc(2026, 7, 1, 16, 0)).ShouldBe("+");    // 18:00 CEST
        var saturday = BusinessHours.Call(AcmeHq, "+442071234567", now: Instant.FromUtc(2026, 3, 28, 10, 0));
        saturday.Candidates.ShouldContain(c => c.Kind == "lcr" && c.Id == "+44" && c.Outcome == "skipped" && c.Reason.Contains("outside its window"));
        saturday.GatewayIds().ShouldBe(["gw-a", "gw-b"]);
    }

    [Fact]
    public void Two_rules_on_one_prefix_split_the_day()
    {
        var snapshot = Snapshot(Demo() with
        {
            Lcr =
            [
                new LcrRuleSpec { Id = "uk-day", Prefix = "+44", Carriers = [new LcrCarrierSpec { Carrier = "uk" }],
                    Window = new TimeWindowSpec { From = "08:00", To = "20:00", Zone = "Europe/London" } },
                new LcrRuleSpec { Id = "uk-night", Prefix = "+44", Carriers = [new LcrCarrierSpec { Carrier = "default" }],
                    Window = new TimeWindowSpec { From = "20:00", To = "08:00", Zone = "Europe/London" } },
            ],
        });

        snapshot.Call(AcmeHq, "+442071234567", now: Instant.FromUtc(2026, 7, 1, 12, 0)).GatewayIds().ShouldBe(["gw-b", "gw-a"]);
        snapshot.Call(AcmeHq, "+442071234567", now: Instant.FromUtc(2026, 7, 1, 23, 0)).GatewayIds().ShouldBe(["gw-a", "gw-b"]);
        snapshot.Call(AcmeHq, "+442071234567", now: Instant.FromUtc(2026, 7, 2, 3, 0)).GatewayIds().ShouldBe(["gw-a", "gw-b"]);
    }

    [Fact]
    public void A_window_over_midnight_belongs_to_the_day_it_starts()
    {
        var window = new LcrTimeWindow(new TimeWindow(["fri"], "22:00", "06:00", "UTC"));

        window.Contains(Instant.FromUtc(2026, 3, 27, 23, 0)).ShouldBeTrue();  // Friday night
        window.Contains(Instant.FromUtc(2026, 3, 28, 5, 0)).ShouldBeTrue();   // Saturday early morning
        window.Contains(Instant.FromUtc(2026, 3, 27, 5, 0)).ShouldBeFalse();  // Friday early morning (Thursday's night)
    }
}
