using CallControl.Billing.Accounts;
using CallControl.Billing.Rating;
using CallControl.Billing.Tariffs;
using CsCheck;
using NodaTime;
using Shouldly;
using Xunit;

namespace CallControl.Billing.Tests.Accounts;

/// <summary>Given account events / When a decision / Then events, over the demo plan (+31 0.02/min 1/1, +44 0.10/min 60/1).</summary>
public class AccountTests
{
    private static readonly TariffBook Book = Books.Default(Books.Demo());
    private static readonly Instant T0 = Books.Utc(2026, 3, 25, 12, 0);
    private static readonly CallKey Call1 = new("call-1");
    private static readonly CallKey Call2 = new("call-2");

    private static Instant T(int seconds) => T0.Plus(Duration.FromSeconds(seconds));

    private static Account Given(params object[] events) => Account.Fold(events)!;

    private static Account Prepaid(decimal topUp) => Given(
        new AccountOpened("acc-1", AccountKind.Prepaid, "EUR", null, T0),
        new BalanceToppedUp("acc-1", topUp, "tx-1", T0));

    private static Account Then(Account account, IEnumerable<object> events) => events.Aggregate(account, (a, e) => a.Apply(e));

    [Fact]
    public void Prepaid_call_reserves_the_grant_then_settles_the_actual_cost()
    {
        // Given 1.00 EUR; When calling +31 (0.02/min): grant 3000s, hold 1.00
        var account = Prepaid(1.00m);
        var decision = AccountDecider.Authorize(account, Book, new AuthorizeCall(Call1, "31201234567", T(1)));
        decision.Admitted.ShouldBeTrue();
        decision.MaxDuration.ShouldBe(Duration.FromSeconds(3000));
        decision.Events.ShouldBe([new CreditReserved("acc-1", Call1, 1.00m, Duration.FromSeconds(3000), T(1),
            "prepaid: balance 1.00 - held 0 = 1.00 EUR available; granted 3000s (Balance) for 1.00")]);
        account = Then(account, decision.Events);
        account.Available.ShouldBe(0m);
        account.Balance.ShouldBe(1.00m);

        // When the call ends after 90s it costs 90/60*0.02 = 0.03: charge 0.03, release the 1.00 hold
        var settled = AccountDecider.Settle(account, Call1, 0.03m, T(100));
        settled.ShouldBe([new CallCharged("acc-1", Call1, 0.03m, T(100)), new ReservationReleased("acc-1", Call1, 1.00m, T(100), "call charged 0.03")]);
        account = Then(account, settled);
        account.Balance.ShouldBe(0.97m);
        account.Available.ShouldBe(0.97m);
        account.Reservations.ShouldBeEmpty();
    }

    [Fact]
    public void Charging_the_same_call_twice_charges_once()
    {
        var account = Then(Prepaid(1.00m), [new CallCharged("acc-1", Call1, 0.03m, T(100))]);
        // the decider emits nothing for a charged call
        AccountDecider.Settle(account, Call1, 0.03m, T(101)).ShouldBeEmpty();
        // and a duplicate event in the stream is ignored by the fold
        Then(account, [new CallCharged("acc-1", Call1, 0.03m, T(101))]).Balance.ShouldBe(0.97m);
    }

    [Fact]
    public void Unaffordable_first_increment_is_refused_with_reason()
    {
        // +44 bills the first 60s whole: 0.10 > 0.05
        var decision = AccountDecider.Authorize(Prepaid(0.05m), Book, new AuthorizeCall(Call1, "447700900123", T0));
        decision.Admitted.ShouldBeFalse();
        decision.Refusal.ShouldBe(AdmissionRefusal.InsufficientCredit);
        decision.Events.ShouldBeEmpty();
    }

    [Fact]
    public void Holds_of_calls_in_progress_reduce_what_the_next_call_gets()
    {
        // 0.30: call 1 to +44 reserves all of it (60s for 0.10 + 120s for 0.20 = 180s), call 2 gets nothing
        var account = Prepaid(0.30m);
        var first = AccountDecider.Authorize(account, Book, new AuthorizeCall(Call1, "447700900123", T0));
        first.MaxDuration.ShouldBe(Duration.FromSeconds(180));
        account = Then(account, first.Events);
        AccountDecider.Authorize(account, Book, new AuthorizeCall(Call2, "31201234567", T0)).Refusal.ShouldBe(AdmissionRefusal.InsufficientCredit);
    }

    [Fact]
    public void Retransmitted_authorize_returns_the_same_grant_without_new_events()
    {
        var account = Prepaid(1.00m);
        account = Then(account, AccountDecider.Authorize(account, Book, new AuthorizeCall(Call1, "31201234567", T0)).Events);
        var again = AccountDecider.Authorize(account, Book, new AuthorizeCall(Call1, "31201234567", T(1)));
        again.Admitted.ShouldBeTrue();
        again.MaxDuration.ShouldBe(Duration.FromSeconds(3000));
        again.Events.ShouldBeEmpty();
        account = Then(account, [new CallCharged("acc-1", Call1, 0.01m, T(2))]);
        AccountDecider.Authorize(account, Book, new AuthorizeCall(Call1, "31201234567", T(3))).Refusal.ShouldBe(AdmissionRefusal.CallAlreadyCharged);
    }

    [Fact]
    public void Unanswered_call_releases_the_hold_and_costs_nothing()
    {
        var account = Prepaid(1.00m);
        account = Then(account, AccountDecider.Authorize(account, Book, new AuthorizeCall(Call1, "31201234567", T0)).Events);
        account = Then(account, AccountDecider.Release(account, Call1, T(30)));
        account.Balance.ShouldBe(1.00m);
        account.Available.ShouldBe(1.00m);
        AccountDecider.Release(account, Call1, T(31)).ShouldBeEmpty();
    }

    [Fact]
    public void Refused_destination_is_refused_with_the_rater_reason()
    {
        var decision = AccountDecider.Authorize(Prepaid(10m), Book, new AuthorizeCall(Call1, "12125550100", T0));
        decision.Refusal.ShouldBe(AdmissionRefusal.NoRate);
        decision.Detail.ShouldContain("NoDestination");
    }

    [Fact]
    public void Balance_at_an_instant_folds_the_events_up_to_it()
    {
        object[] events =
        [
            new AccountOpened("acc-1", AccountKind.Prepaid, "EUR", null, T(0)),
            new BalanceToppedUp("acc-1", 5.00m, "tx-1", T(10)),
            new CallCharged("acc-1", Call1, 0.40m, T(20)),
            new BalanceAdjusted("acc-1", -0.10m, "fee", T(30)),
            new CallReRated("acc-1", Call1, 0.40m, 0.30m, "tariff fix", T(40)),
        ];
        Account.Fold(events, T(5))!.Balance.ShouldBe(0m);
        Account.Fold(events, T(10))!.Balance.ShouldBe(5.00m);
        Account.Fold(events, T(25))!.Balance.ShouldBe(4.60m);
        Account.Fold(events, T(35))!.Balance.ShouldBe(4.50m);
        Account.Fold(events, T(45))!.Balance.ShouldBe(4.60m); // 0.10 credited back
        Account.Fold(events, T(45))!.Charged[Call1].ShouldBe(0.30m);
        Account.Fold([], T(45)).ShouldBeNull();
    }

    [Fact]
    public void Duplicate_rerating_event_changes_nothing_more()
    {
        var account = Then(Prepaid(5.00m), [new CallCharged("acc-1", Call1, 0.40m, T(20))]);
        var rerated = new CallReRated("acc-1", Call1, 0.40m, 0.30m, "fix", T(40));
        Then(account, [rerated, rerated]).Balance.ShouldBe(4.70m);
    }

    // ---- postpaid -----------------------------------------------------------------------------------

    private static Account Postpaid(decimal? limit, decimal charged) => Given(
        new AccountOpened("acc-2", AccountKind.Postpaid, "EUR", limit, T0),
        new CallCharged("acc-2", new CallKey("old"), charged, T0));

    [Theory]
    [InlineData(10.00, 9.99, true)]    // 0.01 left: 30 s to +31 at 0.02/min
    [InlineData(10.00, 9.9999, false)] // 0.0001 left: the first second costs 0.0004 (0.000333 rounded up)
    [InlineData(10.00, 10.00, false)]  // used reaches the limit: refused
    [InlineData(10.00, 12.00, false)]
    public void Postpaid_credit_limit(decimal limit, decimal charged, bool admitted)
    {
        var decision = AccountDecider.Authorize(Postpaid(limit, charged), Book, new AuthorizeCall(Call1, "31201234567", T(1)));
        decision.Admitted.ShouldBe(admitted);
        if (admitted)
        {
            decision.MaxDuration.ShouldBe(Duration.FromSeconds(30));
            var reserved = decision.Events.ShouldHaveSingleItem().ShouldBeOfType<CreditReserved>();
            reserved.Amount.ShouldBe(0.01m);
            reserved.Cause.ShouldBe("postpaid: credit limit 10 - owed 9.99 - held 0 = 0.01 EUR available; granted 30s (Balance) for 0.01");
        }
        else
        {
            decision.Refusal.ShouldBe(AdmissionRefusal.CreditLimitReached);
            decision.Detail.ShouldContain($"credit limit {limit}");
        }
    }

    [Fact]
    public void Postpaid_calls_in_parallel_hold_one_window_each_and_the_last_window_of_credit_is_capped()
    {
        // Given 10.00 limit, 9.00 owed: 1.00 left = 3000 s to +31 at 0.02/min. A hold window of 15 min (900 s) costs 0.30.
        var account = Postpaid(10.00m, 9.00m);
        var first = AccountDecider.Authorize(account, Book, new AuthorizeCall(Call1, "31201234567", T(1)));
        first.MaxDuration.ShouldBeNull("the credit covers a whole window: the call holds 0.30 and is not cut off");
        var reserved = first.Events.OfType<CreditReserved>().ShouldHaveSingleItem();
        reserved.Amount.ShouldBe(0.30m);
        reserved.Uncapped.ShouldBeTrue();
        account = Then(account, first.Events);
        account.Available.ShouldBe(0.70m);

        var second = AccountDecider.Authorize(account, Book, new AuthorizeCall(Call2, "31201234567", T(2)));
        second.MaxDuration.ShouldBeNull();
        account = Then(account, second.Events);
        var third = AccountDecider.Authorize(account, Book, new AuthorizeCall(new CallKey("call-3"), "31201234567", T(3)));
        third.MaxDuration.ShouldBeNull();
        account = Then(account, third.Events);
        account.Available.ShouldBe(0.10m);

        // 0.10 left = 300 s, less than a window: this call is capped like prepaid (the last window is strict).
        var fourth = AccountDecider.Authorize(account, Book, new AuthorizeCall(new CallKey("call-4"), "31201234567", T(4)));
        fourth.MaxDuration.ShouldBe(Duration.FromSeconds(300));
        fourth.Events.OfType<CreditReserved>().Single().Uncapped.ShouldBeFalse();
        account = Then(account, fourth.Events);
        account.Available.ShouldBe(0m);
        var fifth = AccountDecider.Authorize(account, Book, new AuthorizeCall(new CallKey("call-5"), "31201234567", T(5)));
        fifth.Refusal.ShouldBe(AdmissionRefusal.CreditLimitReached);
        fifth.Detail.ShouldBe("used 10.00 of credit limit 10.00 EUR");

        // The first ends after 90 s (0.03): its unused 0.27 comes back.
        account = Then(account, AccountDecider.Settle(account, Call1, 0.03m, T(100)));
        account.Available.ShouldBe(0.27m);
        account.Used.ShouldBe(9.73m);

        // An uncapped hold is not shortened at the answer either.
        AccountDecider.Answer(account, Book, Call2, "31201234567", T(10), T(10)).Granted.ShouldBeNull();
    }

    [Fact]
    public void Postpaid_hold_window_is_a_setting_and_the_ceiling_still_applies()
    {
        var account = Postpaid(10.00m, 0m);
        var decision = AccountDecider.Authorize(account, Book, new AuthorizeCall(Call1, "31201234567", T(1), PostpaidHold: Duration.FromMinutes(60)));
        decision.Events.OfType<CreditReserved>().Single().Amount.ShouldBe(1.20m); // 60 min x 0.02
        decision.MaxDuration.ShouldBeNull();
    }

    [Fact]
    public void Postpaid_without_limit_holds_nothing_and_is_not_cut_off()
    {
        var decision = AccountDecider.Authorize(Postpaid(null, 1000m), Book, new AuthorizeCall(Call1, "31201234567", T0));
        decision.MaxDuration.ShouldBeNull();
        decision.Events.ShouldBeEmpty();
    }

    // ---- the grant at the answer --------------------------------------------------------------------

    /// <summary>Every day in Amsterdam: night 00:00 0.02/min, day 08:00 0.10/min, per second.</summary>
    private static readonly TariffBook DayNight = Books.Default(new PlanBuilder(zone: "Europe/Amsterdam")
        .Destination("NL", "31")
        .Rate("DAY", PlanBuilder.Slot(0.10m, 60, 1)).Rate("NIGHT", PlanBuilder.Slot(0.02m, 60, 1))
        .DestinationRate("DR_DAY", "NL", "DAY").DestinationRate("DR_NIGHT", "NL", "NIGHT")
        .Timing("T_DAY", "", "08:00:00").Timing("T_NIGHT", "", "00:00:00")
        .Entry("DR_DAY", "T_DAY").Entry("DR_NIGHT", "T_NIGHT")
        .Build());

    private static Instant Ams(int h, int min, int s) => Books.Local("Europe/Amsterdam", 2026, 3, 25, h, min, s);

    [Fact]
    public void A_call_answered_after_the_day_rate_started_gets_its_grant_shortened_to_what_the_hold_pays_at_the_answer()
    {
        // Given 0.10 EUR prepaid. INVITE at 07:59:30: 30 s night (0.01) + 54 s day (0.09) = 84 s for 0.10
        var account = Prepaid(0.10m);
        var invite = AccountDecider.Authorize(account, DayNight, new AuthorizeCall(Call1, "31201234567", Ams(7, 59, 30)));
        invite.MaxDuration.ShouldBe(Duration.FromSeconds(84));
        invite.Reserved.ShouldBe(0.10m);
        account = Then(account, invite.Events);

        // It rings 40 s and is answered at 08:00:10: all day rate, 0.10 pays 60 s
        var (granted, events) = AccountDecider.Answer(account, DayNight, Call1, "31201234567", Ams(8, 0, 10), Ams(8, 0, 10));
        granted.ShouldBe(Duration.FromSeconds(60));
        var shortened = events.ShouldHaveSingleItem().ShouldBeOfType<CreditGrantShortened>();
        shortened.PreviousGranted.ShouldBe(Duration.FromSeconds(84));
        shortened.Granted.ShouldBe(Duration.FromSeconds(60));
        shortened.Cause.ShouldBe("hold 0.10 EUR priced at the answer pays 60s (Balance), not 84s");
        account = Then(account, events);
        account.Reservations[Call1].Granted.ShouldBe(Duration.FromSeconds(60));

        // Cut off at 60 s, the call costs exactly the hold (84 s from the answer would have cost 0.14)
        var cost = Rater.Rate(DayNight, "acc-1", "31201234567", Ams(8, 0, 10), Duration.FromSeconds(60)).ShouldBeOfType<RatedCall>().Total;
        cost.ShouldBe(0.10m);
        Rater.Rate(DayNight, "acc-1", "31201234567", Ams(8, 0, 10), Duration.FromSeconds(84)).ShouldBeOfType<RatedCall>().Total.ShouldBe(0.14m);
    }

    [Fact]
    public void A_call_answered_in_a_cheaper_period_keeps_its_grant_and_a_call_without_a_hold_has_none()
    {
        // INVITE at 23:59:30: 30 s day (0.05) + 150 s night (0.05) = 180 s; answered at 00:00:10 (night, 0.10 would pay
        // 300 s): the hold does not grow, the grant stays
        var account = Prepaid(0.10m);
        var invite = AccountDecider.Authorize(account, DayNight, new AuthorizeCall(Call1, "31201234567", Ams(23, 59, 30)));
        invite.MaxDuration.ShouldBe(Duration.FromSeconds(180));
        account = Then(account, invite.Events);
        var (granted, events) = AccountDecider.Answer(account, DayNight, Call1, "31201234567", Ams(23, 59, 30) + Duration.FromSeconds(40), T0);
        granted.ShouldBe(Duration.FromSeconds(180));
        events.ShouldBeEmpty();

        AccountDecider.Answer(account, DayNight, Call2, "31201234567", T0, T0).Granted.ShouldBeNull();
    }

    [Fact]
    public void Postpaid_without_limit_is_admitted_but_still_needs_a_rate()
    {
        AccountDecider.Authorize(Postpaid(null, 1000m), Book, new AuthorizeCall(Call1, "31201234567", T0)).Admitted.ShouldBeTrue();
        AccountDecider.Authorize(Postpaid(null, 0m), Book, new AuthorizeCall(Call1, "12125550100", T0)).Refusal.ShouldBe(AdmissionRefusal.NoRate);
    }

    // ---- calling cards ------------------------------------------------------------------------------

    private static Account Card(params object[] more) => Given(
    [
        new AccountOpened("card-1", AccountKind.CallingCard, "EUR", null, T0),
        new CallingCardIssued("card-1", CallingCardPin.Hash("card-1", "4321"), T0.Plus(Duration.FromDays(30)), 1, T0),
        new BalanceToppedUp("card-1", 2.00m, "sold", T0),
        .. more,
    ]);

    [Fact]
    public void Calling_card_admission_with_reasons()
    {
        var call = new AuthorizeCall(Call1, "31201234567", T(60), "4321");
        var ok = AccountDecider.Authorize(Card(), Book, call);
        ok.Admitted.ShouldBeTrue();
        ok.MaxDuration.ShouldBe(Duration.FromSeconds(6000)); // 2.00 / (0.02/60)

        AccountDecider.Authorize(Card(), Book, call with { Pin = "1234" }).Refusal.ShouldBe(AdmissionRefusal.WrongPin);
        AccountDecider.Authorize(Card(), Book, call with { Pin = null }).Refusal.ShouldBe(AdmissionRefusal.WrongPin);
        AccountDecider.Authorize(Card(), Book, call with { Now = T0.Plus(Duration.FromDays(30)) }).Refusal.ShouldBe(AdmissionRefusal.CardExpired);
        var blocked = AccountDecider.Authorize(Card(new CallingCardBlocked("card-1", "reported stolen", T(1))), Book, call);
        blocked.Refusal.ShouldBe(AdmissionRefusal.CardBlocked);
        blocked.Detail.ShouldContain("reported stolen");
        AccountDecider.Authorize(Card(new CallingCardBlocked("card-1", "x", T(1)), new CallingCardUnblocked("card-1", T(2))), Book, call)
            .Admitted.ShouldBeTrue();

        // one simultaneous use: a second call while the first holds credit is refused
        var inUse = Card(new CreditReserved("card-1", Call2, 0.50m, Duration.FromSeconds(1500), T(1)));
        AccountDecider.Authorize(inUse, Book, call).Refusal.ShouldBe(AdmissionRefusal.TooManySimultaneousCalls);

        var noCard = Given(new AccountOpened("card-2", AccountKind.CallingCard, "EUR", null, T0));
        AccountDecider.Authorize(noCard, Book, call).Refusal.ShouldBe(AdmissionRefusal.NoCard);
    }

    [Fact]
    public void Currency_of_plan_and_account_must_match()
    {
        var usd = Given(new AccountOpened("acc-9", AccountKind.Prepaid, "USD", null, T0), new BalanceToppedUp("acc-9", 5m, "tx", T0));
        AccountDecider.Authorize(usd, Book, new AuthorizeCall(Call1, "31201234567", T0)).Refusal.ShouldBe(AdmissionRefusal.CurrencyMismatch);
    }

    // ---- properties ---------------------------------------------------------------------------------

    [Fact]
    public void Charging_twice_is_charging_once() =>
        Gen.Select(Gen.Int[0, 9], Gen.Int[0, 10_000]).Select((k, cents) => new CallCharged("acc-1", new CallKey($"c{k}"), cents / 1000m, T0))
            .Array[0, 30]
            .Sample(charges =>
            {
                var opened = new object[] { new AccountOpened("acc-1", AccountKind.Prepaid, "EUR", null, T0), new BalanceToppedUp("acc-1", 100m, "tx", T0) };
                var once = Account.Fold([.. opened, .. charges])!;
                var twice = Account.Fold([.. opened, .. charges, .. charges])!;
                twice.Balance.ShouldBe(once.Balance);
                twice.Charged.Count.ShouldBe(once.Charged.Count);
                // the first charge of each call counts
                var expected = 100m - charges.GroupBy(c => c.Call).Sum(g => g.First().Amount);
                once.Balance.ShouldBe(expected);
                // settling again through the decider adds nothing
                foreach (var c in charges)
                {
                    AccountDecider.Settle(once, c.Call, c.Amount, T0).ShouldBeEmpty();
                }
            }, iter: 500);
}
