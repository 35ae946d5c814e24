using CallControl.Billing.Accounts;
using CallControl.Host.Billing;
using CallControl.Host.Calls;
using CallControl.Projections.Billing;
using CallControl.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;
using Shouldly;

namespace CallControl.Tests.Billing;

/// <summary>The credit guard over the real event store: reservations, charges, refusals, idempotence, parallel calls.</summary>
public sealed class CreditGuardTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 11, 20, 10, 0);
    private const string Uk = "+442071234567";
    private const string Nl = "+31201234567";

    [Fact]
    public async Task A_prepaid_call_with_an_empty_balance_is_refused_with_402_and_the_reason()
    {
        var world = await BillingWorld.CreateAsync(fixture);
        await world.OpenAsync("empty", AccountKind.Prepaid, balance: 0m);

        var decision = world.Guard.Admit(BillingWorld.Call("call:empty-1;t", "empty", Uk, T0));

        var refused = decision.ShouldBeOfType<GuardRefuses>();
        refused.StatusCode.ShouldBe(CreditGuard.PaymentRequired);
        refused.Reason.ShouldContain("insufficient credit (account empty)");
        refused.Reason.ShouldContain("does not cover the first increment");
        refused.Events.ShouldBeEmpty();
        world.Guard.Release("call:empty-1;t", Duration.Zero, T0).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_prepaid_call_reserves_what_the_balance_covers_and_is_charged_what_it_cost()
    {
        var world = await BillingWorld.CreateAsync(fixture);
        await world.OpenAsync("pre", AccountKind.Prepaid, balance: 1.00m);
        const string key = "call:pre-1;t";

        var admitted = world.Guard.Admit(BillingWorld.Call(key, "pre", Uk, T0)).ShouldBeOfType<GuardAdmits>();
        // 0.10 EUR/min, 60/1: 1.00 EUR buys 10 minutes.
        admitted.MaxDuration.ShouldBe(Duration.FromMinutes(10));
        var reserved = admitted.Events.ShouldHaveSingleItem();
        reserved.StreamKey.ShouldBe("account:pre");
        reserved.Event.ShouldBeOfType<CreditReserved>().Amount.ShouldBe(1.00m);
        await world.AppendAsync(admitted.Events);
        world.Live.Account("pre")!.Available.ShouldBe(0m);

        var released = world.Guard.Release(key, Duration.FromSeconds(90), T0 + Duration.FromSeconds(95));
        await world.AppendAsync(released);

        released.Where(e => e.StreamKey == "account:pre").Select(e => e.Event.GetType()).ShouldBe([typeof(CallCharged), typeof(ReservationReleased)]);
        var rated = released.Single(e => e.StreamKey == key).Event.ShouldBeOfType<CallRated>();
        rated.Total.ShouldBe(0.15m); // 60 s for 0.10, then 30 x 1 s at 0.10/min
        rated.Parts.Count.ShouldBe(2);
        rated.Parts.Sum(p => p.Cost).ShouldBe(rated.Total);
        rated.Start.ShouldBe(T0 + Duration.FromSeconds(5));

        world.Live.Account("pre")!.Balance.ShouldBe(1.00m - 0.15m);
        var stored = await world.StoredAccountAsync("pre");
        stored.Balance.ShouldBe(0.85m);
        stored.Reserved.ShouldBe(0m);
        await using var session = world.Store.QuerySession();
        (await session.LoadAsync<RatedCallView>(key))!.Amount.ShouldBe(0.15m);
    }

    [Fact]
    public async Task A_call_the_cut_off_ended_late_is_charged_no_more_than_its_grant_and_one_increment()
    {
        var world = await BillingWorld.CreateAsync(fixture);
        await world.OpenAsync("late", AccountKind.Prepaid, balance: 1.00m);
        const string key = "call:late-1;t";
        var admitted = world.Guard.Admit(BillingWorld.Call(key, "late", Uk, T0)).ShouldBeOfType<GuardAdmits>();
        await world.AppendAsync(admitted.Events);
        var answeredAt = T0 + Duration.FromSeconds(5);
        await world.AppendAsync(world.Guard.Answered(key, ReadOnlyMemory<byte>.Empty, answeredAt));
        var grant = world.Guard.MaxDurationAfterAnswer(key).ShouldNotBeNull();
        grant.ShouldBe(Duration.FromMinutes(10)); // 1.00 EUR at 0.10 EUR/min

        // A loaded node cut the call off 4 s late: the lateness past one second is not the caller's.
        var talk = grant + Duration.FromSeconds(4);
        var released = world.Guard.Release(key, talk, answeredAt + talk);
        await world.AppendAsync(released);

        var rated = released.Single(e => e.StreamKey == key).Event.ShouldBeOfType<CallRated>();
        rated.Duration.ShouldBe(grant + Duration.FromSeconds(1));
        rated.Note.ShouldNotBeNull().ShouldContain("ran past the cut-off at 600 s: rated as 601 s");
        // 60 s for 0.10 then 541 x 1 s at 0.10/min = 1.0017 (rounded up): one 1 s increment past the balance, not four.
        rated.Total.ShouldBe(1.0017m);
        world.Live.Account("late")!.Balance.ShouldBe(1.00m - 1.0017m);
    }

    [Fact]
    public async Task Parallel_prepaid_calls_on_one_account_never_overdraw_by_more_than_one_increment()
    {
        var world = await BillingWorld.CreateAsync(fixture);
        await world.OpenAsync("para", AccountKind.Prepaid, balance: 1.00m);
        await world.OpenAsync("para2", AccountKind.Prepaid, balance: 0.35m);

        foreach (var (account, destination) in new[] { ("para", Nl), ("para2", Uk) })
        {
            var decisions = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
                (Key: $"call:{account}-{i};t", Decision: world.Guard.Admit(BillingWorld.Call($"call:{account}-{i};t", account, destination, T0))))));
            await world.AppendAsync(decisions.SelectMany(d => d.Decision.Events));

            var admitted = decisions.Where(d => d.Decision is GuardAdmits).ToList();
            var reservedTotal = decisions.SelectMany(d => d.Decision.Events).Select(e => e.Event).OfType<CreditReserved>().Sum(r => r.Amount);
            var opening = account == "para" ? 1.00m : 0.35m;
            reservedTotal.ShouldBeLessThanOrEqualTo(opening);
            admitted.ShouldNotBeEmpty();
            decisions.Where(d => d.Decision is GuardRefuses).ShouldAllBe(d => ((GuardRefuses)d.Decision).StatusCode == 402);

            // Each call is cut off at its grant, a little late (the BYE takes time): at most one increment more.
            var ends = await Task.WhenAll(admitted.Select(a => Task.Run(() =>
                world.Guard.Release(a.Key, ((GuardAdmits)a.Decision).MaxDuration!.Value + Duration.FromMilliseconds(400), T0 + Duration.FromMinutes(11)))));
            await world.AppendAsync(ends.SelectMany(e => e));

            var oneIncrement = account == "para" ? 0.0004m : 0.0017m; // 1 s at 0.02/min, 1 s at 0.10/min (*up, 4 decimals)
            var balance = (await world.StoredAccountAsync(account)).Balance;
            balance.ShouldBeGreaterThanOrEqualTo(-oneIncrement * admitted.Count);
            foreach (var a in admitted)
            {
                var reservation = a.Decision.Events.Select(e => e.Event).OfType<CreditReserved>().Single();
                var charge = ends.SelectMany(e => e).Select(e => e.Event).OfType<CallCharged>().Single(c => c.Call == reservation.Call);
                (charge.Amount - reservation.Amount).ShouldBeLessThanOrEqualTo(oneIncrement);
            }
            world.Live.Account(account)!.Balance.ShouldBe(balance);
        }
    }

    [Fact]
    public async Task A_duplicate_end_of_call_charges_once()
    {
        var world = await BillingWorld.CreateAsync(fixture);
        await world.OpenAsync("dup", AccountKind.Postpaid);
        const string key = "call:dup-1;t";
        var admitted = world.Guard.Admit(BillingWorld.Call(key, "dup", Nl, T0)).ShouldBeOfType<GuardAdmits>();
        admitted.MaxDuration.ShouldBeNull(); // postpaid calls without a credit limit are not cut off
        admitted.Events.ShouldBeEmpty();

        var first = world.Guard.Release(key, Duration.FromSeconds(60), T0 + Duration.FromSeconds(60));
        var second = world.Guard.Release(key, Duration.FromSeconds(60), T0 + Duration.FromSeconds(61));
        second.ShouldBeEmpty();
        await world.AppendAsync(first);
        // Even if the end were recorded twice (a retry after a commit whose answer was lost), the fold charges once.
        await world.AppendAsync(first);
        await world.Live.RefreshAsync();

        var stored = await world.StoredAccountAsync("dup");
        stored.Balance.ShouldBe(-0.02m);
        stored.Charged.Count.ShouldBe(1);
        world.Live.Account("dup")!.Balance.ShouldBe(-0.02m);
    }

    [Fact]
    public async Task Postpaid_calls_are_refused_with_402_once_the_credit_limit_is_used()
    {
        var world = await BillingWorld.CreateAsync(fixture);
        await world.OpenAsync("post", AccountKind.Postpaid, creditLimit: 0.10m);
        (await world.PlaceCallAsync("call:post-1;t", "post", Uk, T0, Duration.FromSeconds(90))).ShouldBeOfType<GuardAdmits>();

        var refused = world.Guard.Admit(BillingWorld.Call("call:post-2;t", "post", Uk, T0 + Duration.FromMinutes(5))).ShouldBeOfType<GuardRefuses>();
        refused.StatusCode.ShouldBe(402);
        refused.Reason.ShouldContain("credit limit reached");
    }

    [Fact]
    public async Task Emergency_calls_bypass_credit_and_numbers_without_a_rate_get_403()
    {
        var world = await BillingWorld.CreateAsync(fixture);
        await world.OpenAsync("sos", AccountKind.Prepaid, balance: 0m);

        var emergency = world.Guard.Admit(BillingWorld.Call("call:sos-1;t", "sos", "112", T0, emergency: true)).ShouldBeOfType<GuardAdmits>();
        emergency.MaxDuration.ShouldBeNull();
        emergency.Events.ShouldBeEmpty();
        world.Guard.Release("call:sos-1;t", Duration.FromMinutes(3), T0 + Duration.FromMinutes(3)).ShouldBeEmpty();

        await world.Admin.TopUpAsync("sos", 5m, "test");
        await world.Live.RefreshAsync();
        var noRate = world.Guard.Admit(BillingWorld.Call("call:sos-2;t", "sos", "+12025550100", T0)).ShouldBeOfType<GuardRefuses>();
        noRate.StatusCode.ShouldBe(403);
        noRate.Reason.ShouldContain("no rate");

        // A tenant without a billing account is not billed: admitted, nothing held, nothing charged.
        var unbilled = world.Guard.Admit(BillingWorld.Call("call:nobody-1;t", "no-account", "+442071234567", T0)).ShouldBeOfType<GuardAdmits>();
        unbilled.MaxDuration.ShouldBeNull();
        unbilled.Events.ShouldBeEmpty();
        world.Guard.Release("call:nobody-1;t", Duration.FromMinutes(1), T0 + Duration.FromMinutes(1)).ShouldBeEmpty();
    }

    [Fact]
    public async Task An_unanswered_call_lifts_its_hold_and_costs_nothing_and_a_restart_sees_the_same_state()
    {
        var world = await BillingWorld.CreateAsync(fixture);
        await world.OpenAsync("unans", AccountKind.Prepaid, balance: 2.00m);
        (await world.PlaceCallAsync("call:unans-1;t", "unans", Uk, T0, Duration.Zero)).ShouldBeOfType<GuardAdmits>();
        (await world.PlaceCallAsync("call:unans-2;t", "unans", Nl, T0, Duration.FromSeconds(30))).ShouldBeOfType<GuardAdmits>();

        var stored = await world.StoredAccountAsync("unans");
        stored.Balance.ShouldBe(2.00m - 0.01m);
        stored.Reserved.ShouldBe(0m);

        // Events are the truth: a controller starting now folds the same account.
        var restarted = new LiveBilling(world.Log, NullLogger<LiveBilling>.Instance);
        await restarted.RefreshAsync();
        restarted.Account("unans")!.Balance.ShouldBe(world.Live.Account("unans")!.Balance);
        restarted.Account("unans")!.Reserved.ShouldBe(0m);
        await world.Live.RefreshAsync();
        world.Live.Account("unans")!.Reserved.ShouldBe(0m); // the log's copy of our own events is not applied twice
        world.Live.Account("unans")!.Balance.ShouldBe(1.99m);
    }

    [Fact]
    public async Task A_top_up_committed_after_a_later_event_is_not_lost_by_the_live_state()
    {
        var world = await BillingWorld.CreateAsync(fixture);
        await world.OpenAsync("slow", AccountKind.Prepaid, balance: 0m);
        await world.OpenAsync("fast", AccountKind.Prepaid, balance: 0m);

        // T1 takes its sequence number first but commits last (a slow CLI top-up).
        await using var connection = new Npgsql.NpgsqlConnection(TestDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var slow = await connection.BeginTransactionAsync();
        await using (var session = world.Store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(slow, shouldAutoCommit: false)))
        {
            session.Events.Append("account:slow", new BalanceToppedUp("slow", 2m, "slow", T0));
            await session.SaveChangesAsync();
        }
        await world.Admin.TopUpAsync("fast", 1m, "fast"); // a later sequence, committed first
        await world.Live.RefreshAsync();
        world.Live.Account("fast")!.Balance.ShouldBe(1m);
        world.Live.Account("slow")!.Balance.ShouldBe(0m);

        await slow.CommitAsync();
        await world.Live.RefreshAsync();
        world.Live.Account("slow")!.Balance.ShouldBe(2m);
        await world.Live.RefreshAsync();
        world.Live.Account("slow")!.Balance.ShouldBe(2m); // read again in the window, applied once
        world.Live.Account("fast")!.Balance.ShouldBe(1m);
    }

    [Fact]
    public async Task A_hold_whose_call_must_be_over_is_released_and_the_call_is_still_charged_if_it_ends()
    {
        var world = await BillingWorld.CreateAsync(fixture);
        await world.OpenAsync("orphan", AccountKind.Prepaid, balance: 1.00m);
        var admitted = world.Guard.Admit(BillingWorld.Call("call:orphan-1;t", "orphan", Uk, T0)).ShouldBeOfType<GuardAdmits>();
        await world.AppendAsync(admitted.Events);

        world.Live.ReleaseExpired(T0 + Duration.FromMinutes(20), ReservationSweeper.Grace).ShouldBeEmpty(); // may still be running
        var released = world.Live.ReleaseExpired(T0 + Duration.FromMinutes(26), ReservationSweeper.Grace);
        released.ShouldHaveSingleItem().ShouldBeOfType<ReservationReleased>().Amount.ShouldBe(1.00m);
        await world.AppendAsync(released.Select(e => new StreamEvent("account:orphan", e)));
        world.Live.Account("orphan")!.Available.ShouldBe(1.00m);

        var end = world.Guard.Release("call:orphan-1;t", Duration.FromSeconds(60), T0 + Duration.FromMinutes(27));
        end.Where(e => e.StreamKey == "account:orphan").Select(e => e.Event.GetType()).ShouldBe([typeof(CallCharged)]);
        await world.AppendAsync(end);
        (await world.StoredAccountAsync("orphan")).Balance.ShouldBe(0.90m);
        (await world.StoredAccountAsync("orphan")).Reserved.ShouldBe(0m);
    }

    [Fact]
    public async Task The_sweeper_leaves_the_hold_of_a_call_still_open_here_and_a_recovered_call_is_settled_once()
    {
        var world = await BillingWorld.CreateAsync(fixture);
        await world.OpenAsync("kept", AccountKind.Prepaid, balance: 1.00m);
        const string key = "call:kept-1;t";
        var admitted = world.Guard.Admit(BillingWorld.Call(key, "kept", Uk, T0)).ShouldBeOfType<GuardAdmits>();
        await world.AppendAsync(admitted.Events);

        // A new process (a new guard over the same state) takes the call back from its CDR.
        var guard = new CreditGuard(world.Live, Microsoft.Extensions.Logging.Abstractions.NullLogger<CreditGuard>.Instance);
        guard.Recover(new RecoveredCall(key, "kept", Uk, false, T0, T0 + Duration.FromSeconds(5))).ShouldBe(admitted.MaxDuration);
        world.Live.ReleaseExpired(T0 + Duration.FromHours(3), ReservationSweeper.Grace, c => c.Value == key).ShouldBeEmpty();
        guard.Recover(new RecoveredCall("call:other;t", "kept", "112", true, T0, T0)).ShouldBeNull(); // emergency: not billed

        var end = guard.Release(key, Duration.FromMinutes(2), T0 + Duration.FromMinutes(2));
        end.Select(e => e.Event.GetType()).ShouldBe([typeof(CallCharged), typeof(ReservationReleased), typeof(CallRated)]);
        guard.Release(key, Duration.FromMinutes(2), T0 + Duration.FromMinutes(3)).ShouldBeEmpty();
        await world.AppendAsync(end);
        (await world.StoredAccountAsync("kept")).Balance.ShouldBe(0.80m);
    }
}
