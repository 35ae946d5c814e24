using CallControl.Billing.Cards;
using NodaTime;
using NodaTime.Testing;
using Shouldly;
using Xunit;

namespace CallControl.Billing.Tests.Cards;

/// <summary>Wrong PINs per source in a sliding window, with a fake clock: default rules 5 per caller / 20 per trunk in
/// 10 min lock for 30 min.</summary>
public class PinLockoutTests
{
    private const string Access = "+318002273";
    private static readonly string Trunk = PinLockout.TrunkSource("pbx", "globex-main");
    private static readonly string Caller = PinLockout.CallerSource(Trunk, "100");
    private static readonly string[] Sources = [Caller, Trunk];

    private readonly FakeClock _clock = new(Instant.FromUtc(2026, 11, 26, 12, 0));
    private readonly PinLockoutBook _book = new(PinLockoutOptions.Default);

    private WrongPinOutcome Wrong(string[]? sources = null, int seconds = 10)
    {
        var outcome = _book.WrongPin(sources ?? Sources, Access, $"call:{Guid.NewGuid()}", _clock.GetCurrentInstant());
        _clock.AdvanceSeconds(seconds);
        return outcome;
    }

    [Fact]
    public void Source_keys_name_the_trunk_and_the_from_user_and_never_hold_control_characters()
    {
        Caller.ShouldBe("pbx:globex-main/100");
        PinLockout.CallerSource(Trunk, "").ShouldBe("pbx:globex-main/anonymous");
        PinLockout.CallerSource(Trunk, "a b\r\nc").ShouldBe("pbx:globex-main/abc");
        PinLockout.IsCallerSource(Caller).ShouldBeTrue();
        PinLockout.IsCallerSource(Trunk).ShouldBeFalse();
    }

    [Fact]
    public void The_fifth_wrong_pin_in_the_window_locks_the_caller_for_30_minutes_with_its_reason()
    {
        for (var i = 1; i <= 4; i++)
        {
            var outcome = Wrong();
            outcome.Locked.ShouldBeNull();
            outcome.Events.OfType<CardPinRejected>().Single(e => e.Source == Caller).FailuresInWindow.ShouldBe(i);
            outcome.Events.OfType<CardSourceLocked>().ShouldBeEmpty();
        }
        var at = _clock.GetCurrentInstant();
        var fifth = Wrong();

        var locked = fifth.Events.OfType<CardSourceLocked>().ShouldHaveSingleItem();
        locked.Source.ShouldBe(Caller);
        locked.Until.ShouldBe(at + Duration.FromMinutes(30));
        locked.Failures.ShouldBe(5);
        locked.Reason.ShouldBe("too many wrong PINs (caller): 5 in 10 min; card calls refused for 30 min");
        fifth.Locked!.LockedUntil.ShouldBe(at + Duration.FromMinutes(30));
        // The trunk has seen 5 of its 20: not locked.
        fifth.Events.OfType<CardPinRejected>().Single(e => e.Source == Trunk).Reason.ShouldBe("wrong PIN (trunk): 5 of 20 allowed in 10 min");

        var check = _book.Check(Sources, _clock.GetCurrentInstant());
        check.Locked!.Source.ShouldBe(Caller);
        // Another caller of the same PBX is not locked.
        _book.Check([PinLockout.CallerSource(Trunk, "200"), Trunk], _clock.GetCurrentInstant()).Locked.ShouldBeNull();
    }

    [Fact]
    public void Failures_that_left_the_window_do_not_count()
    {
        for (var i = 0; i < 4; i++) Wrong(seconds: 60);         // 12:00 .. 12:03
        _clock.Advance(Duration.FromMinutes(7));                // 12:11: the first two (12:00, 12:01) are out
        var outcome = Wrong();
        outcome.Locked.ShouldBeNull();
        outcome.Events.OfType<CardPinRejected>().Single(e => e.Source == Caller).FailuresInWindow.ShouldBe(3);
        Wrong().Locked.ShouldBeNull();                          // 4 in the window
        Wrong().Locked.ShouldNotBeNull();                       // 5
    }

    [Fact]
    public void A_failure_exactly_one_window_old_has_left_it()
    {
        for (var i = 0; i < 4; i++) Wrong(seconds: 0);
        _clock.Advance(Duration.FromMinutes(10));
        Wrong().Events.OfType<CardPinRejected>().Single(e => e.Source == Caller).FailuresInWindow.ShouldBe(1);
    }

    [Fact]
    public void A_lock_ends_at_its_instant_is_recorded_as_expired_and_the_count_starts_again()
    {
        for (var i = 0; i < 5; i++) Wrong(seconds: 0);
        var until = _book.State.Sources[Caller].LockedUntil!.Value;

        _clock.Advance(Duration.FromMinutes(30) - Duration.FromSeconds(1));
        _book.Check(Sources, _clock.GetCurrentInstant()).Locked.ShouldNotBeNull();

        _clock.AdvanceSeconds(1);
        var check = _book.Check(Sources, _clock.GetCurrentInstant());
        check.Locked.ShouldBeNull();
        var unlocked = check.Events.OfType<CardSourceUnlocked>().ShouldHaveSingleItem();
        unlocked.ShouldBe(new CardSourceUnlocked(Caller, "system", $"lock expired at {until}", _clock.GetCurrentInstant()));

        // The lock consumed its failures: one more wrong PIN is the first of a new count.
        Wrong().Events.OfType<CardPinRejected>().Single(e => e.Source == Caller).FailuresInWindow.ShouldBe(1);
    }

    [Fact]
    public void An_operator_lifts_a_lock_with_a_reason_and_lifting_an_unlocked_source_records_nothing()
    {
        for (var i = 0; i < 5; i++) Wrong(seconds: 0);
        var events = _book.Unlock(Caller, "alice", "customer called", _clock.GetCurrentInstant());
        events.ShouldHaveSingleItem().ShouldBeOfType<CardSourceUnlocked>().Reason.ShouldStartWith("lifted by alice: customer called (was locked until ");
        _book.Check(Sources, _clock.GetCurrentInstant()).Locked.ShouldBeNull();
        _book.Unlock(Caller, "alice", "again", _clock.GetCurrentInstant()).ShouldBeEmpty();
    }

    [Fact]
    public void A_guesser_who_changes_from_user_on_every_try_is_stopped_by_the_trunk_rule()
    {
        WrongPinOutcome last = null!;
        for (var i = 0; i < 20; i++) last = Wrong([PinLockout.CallerSource(Trunk, $"9{i}"), Trunk], seconds: 5);
        last.Locked!.Source.ShouldBe(Trunk);
        _book.Check([PinLockout.CallerSource(Trunk, "fresh"), Trunk], _clock.GetCurrentInstant()).Locked!.Source.ShouldBe(Trunk);
        // Another trunk is not affected.
        _book.Check(["pbx:acme-hq/100", "pbx:acme-hq"], _clock.GetCurrentInstant()).Locked.ShouldBeNull();
    }

    [Fact]
    public void A_rule_with_zero_failures_never_locks()
    {
        var book = new PinLockoutBook(PinLockoutOptions.Default with { Trunk = PinLockoutOptions.Default.Trunk with { MaxFailures = 0 } });
        for (var i = 0; i < 50; i++)
        {
            var outcome = book.WrongPin([PinLockout.CallerSource(Trunk, $"u{i}"), Trunk], Access, "call:x", _clock.GetCurrentInstant());
            outcome.Locked.ShouldBeNull();
        }
    }

    [Fact]
    public void Rebuilt_from_the_recorded_events_the_book_decides_the_same()
    {
        var recorded = new List<object>();
        for (var i = 0; i < 5; i++) recorded.AddRange(Wrong().Events);
        var rebuilt = new PinLockoutBook(PinLockoutOptions.Default);
        rebuilt.Load(recorded);
        rebuilt.State.Sources[Caller].ShouldBe(_book.State.Sources[Caller]);
        rebuilt.State.Sources[Trunk].Failures.ShouldBe(_book.State.Sources[Trunk].Failures);
        rebuilt.Check(Sources, _clock.GetCurrentInstant()).Locked!.Source.ShouldBe(Caller);
    }

    [Fact]
    public async Task Parallel_wrong_pins_from_one_source_are_counted_one_by_one_and_lock_it_exactly_once()
    {
        var now = _clock.GetCurrentInstant();
        using var start = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, 64).Select(i => Task.Run(() =>
        {
            start.Wait();
            return _book.WrongPin([Caller], Access, $"call:{i}", now);
        })).ToArray();
        start.Set();
        var outcomes = await Task.WhenAll(tasks);

        var events = outcomes.SelectMany(o => o.Events).ToList();
        events.OfType<CardSourceLocked>().ShouldHaveSingleItem().Failures.ShouldBe(5);
        // Counts 1..5 each seen once before the lock; the rest found it locked already.
        events.OfType<CardPinRejected>().Where(e => !e.Reason.Contains("already")).Select(e => e.FailuresInWindow).Order().ShouldBe([1, 2, 3, 4, 5]);
        events.OfType<CardPinRejected>().Count(e => e.Reason.Contains("locked until")).ShouldBe(59);
        outcomes.Count(o => o.Locked is not null).ShouldBe(60);
    }

    [Fact]
    public void A_sweep_records_expired_locks_and_forgets_quiet_sources()
    {
        Wrong([PinLockout.CallerSource(Trunk, "once")], seconds: 0);
        for (var i = 0; i < 5; i++) Wrong([Caller], seconds: 0);
        _clock.Advance(Duration.FromMinutes(31));
        var check = _book.Check(["pbx:other/1"], _clock.GetCurrentInstant());
        check.Events.OfType<CardSourceUnlocked>().ShouldHaveSingleItem().Source.ShouldBe(Caller);
        _book.State.Sources.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(-1, 600, 1800, "failures")]
    [InlineData(5, 0, 1800, "window")]
    [InlineData(5, 600, 0, "lock time")]
    [InlineData(5, 600, 700_000, "lock time")]
    public void Bad_rules_are_named(int failures, int windowSeconds, int lockSeconds, string problem) =>
        new LockoutRule(failures, Duration.FromSeconds(windowSeconds), Duration.FromSeconds(lockSeconds)).Problem()!.ShouldStartWith(problem);
}
