using CallControl.Calls;
using CallControl.Host.Limits;
using CallControl.Projections.Cdrs;
using NodaTime;
using Shouldly;

namespace CallControl.Tests.Limits;

/// <summary>Usage history per minute, computed from CDRs (pure).</summary>
public sealed class LimitsHistoryTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 11, 26, 14, 0);
    private static readonly LinkRef Globex = new("globex-main", "globex", null);
    private static readonly LinkRef Acme = new("acme-hq", "acme", null);

    private static Cdr Call(string id, int fromSecond, int? toSecond, int kbps, LinkRef source, LinkRef target, int? peak = null) => new()
    {
        Id = id, ReceivedAt = T0 + Duration.FromSeconds(fromSecond), EndedAt = toSecond is { } t ? T0 + Duration.FromSeconds(t) : null,
        Kbps = kbps, PeakKbps = peak ?? kbps, LimitSource = source, LimitTarget = target,
    };

    [Fact]
    public void Peaks_per_minute_count_legs_and_calls_still_open()
    {
        Cdr[] cdrs =
        [
            Call("a", 10, 70, 80, Acme, Globex),              // 14:00:10 - 14:01:10
            Call("b", 30, 50, 24, Globex, Globex),            // two legs on globex-main
            Call("c", 100, null, 80, Acme, Globex, peak: 96), // still open: counts until now, at its peak
            Call("d", 20, 40, 80, Acme, Acme),                // not globex-main
            new Cdr { Id = "rejected", ReceivedAt = T0, EndedAt = T0, SourcePbxId = "acme-hq", TargetId = "globex-main" },
        ];

        var history = LimitsHistory.Compute(cdrs, "globex-main", T0 + Duration.FromSeconds(5), T0 + Duration.FromMinutes(4), now: T0 + Duration.FromMinutes(3));

        history.Minutes.Select(m => (m.PeakCalls, m.PeakKbps, m.NewCalls)).ShouldBe(
        [
            (3, 80 + 48, 3),  // 14:00: a + b (2 legs)
            (1, 96, 1),       // 14:01: a until :10, c from :40 (never both)
            (1, 96, 0),       // 14:02: c
            (1, 96, 0),       // 14:03: c counted until now (14:03:00)
        ]);
        history.Minutes[0].Minute.ShouldBe(T0);
    }

    [Fact]
    public void A_call_ending_when_another_starts_does_not_make_a_false_peak()
    {
        Cdr[] cdrs = [Call("a", 0, 30, 80, Acme, Globex), Call("b", 30, 50, 80, Acme, Globex)];

        var minute = LimitsHistory.Compute(cdrs, "globex-main", T0, T0 + Duration.FromMinutes(1), T0 + Duration.FromHours(1)).Minutes.ShouldHaveSingleItem();

        minute.PeakCalls.ShouldBe(1);
        minute.NewCalls.ShouldBe(2);
    }

    [Fact]
    public void Bandwidth_follows_the_reservation_then_what_the_answer_and_a_reinvite_settled()
    {
        var at = (int second) => T0 + Duration.FromSeconds(second);
        Cdr[] cdrs =
        [
            // Offer PCMU (80) at :00, answered G.729 (24) at :05, re-INVITE to PCMU at 1:30, ended at 2:10.
            Call("a", 0, 130, 80, Acme, Globex, peak: 80) with { KbpsSteps = [new(at(0), 80), new(at(5), 24), new(at(90), 80)] },
            // Another call during the 2nd minute only, settled at answer: 24.
            Call("b", 70, 80, 24, Acme, Globex, peak: 80) with { KbpsSteps = [new(at(70), 80), new(at(72), 24)] },
        ];

        var history = LimitsHistory.Compute(cdrs, "globex-main", T0, T0 + Duration.FromMinutes(3), now: T0 + Duration.FromHours(1));

        history.Minutes.Select(m => (m.PeakCalls, m.PeakKbps)).ShouldBe(
        [
            (1, 80),      // 14:00: the offer's 80 for 5 s, then 24
            (2, 80 + 24), // 14:01: b's offer (80) while a holds 24 = 104; later a goes back to 80 alone
            (1, 80),      // 14:02: a at 80 until :10
        ]);
        // With each call's peak for its whole duration (CDRs from before the steps), 14:01 would show 80 + 80.
        LimitsHistory.Compute(cdrs.Select(c => c with { KbpsSteps = [] }), "globex-main", T0, T0 + Duration.FromMinutes(3), T0 + Duration.FromHours(1))
            .Minutes[1].PeakKbps.ShouldBe(80 + 80);
    }
}
