using CallControl.Limits;
using NodaTime;
using NodaTime.Testing;
using Shouldly;
using Xunit;

namespace CallControl.Tests.Limits;

public class LiveUsageRegistryTests
{
    private static readonly CallLink PbxA = CallLink.Pbx("pbx-a", "tenant-1");
    private static readonly CallLink PbxB = CallLink.Pbx("pbx-b", "tenant-2");
    private static readonly CallLink Gw = CallLink.Gateway("gw-1");
    private readonly FakeClock _clock = new(Instant.FromUtc(2025, 11, 26, 9, 0));

    private Instant Now => _clock.GetCurrentInstant();

    [Fact]
    public void Sixteen_threads_two_hundred_attempts_limit_ten_admits_exactly_ten_and_release_returns_to_zero()
    {
        var registry = new LiveUsageRegistry(LimitsTable.Empty.WithPbx("pbx-a", new LinkLimits(MaxCalls: 10)));
        var now = Now;
        int next = -1, admitted = 0, refused = 0;
        using var start = new Barrier(16);
        var threads = Enumerable.Range(0, 16).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            int i;
            while ((i = Interlocked.Increment(ref next)) < 200)
            {
                var decision = registry.TryAdmit($"call-{i}", new AdmissionRequest(PbxA, Gw, 80), now);
                Interlocked.Increment(ref decision.IsAdmitted ? ref admitted : ref refused);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        admitted.ShouldBe(10);
        refused.ShouldBe(190);
        var during = registry.Snapshot(now);
        during.Scopes[ScopeId.Pbx("pbx-a")].ShouldBe(new ScopeUsage(10, 800, 10));
        during.Scopes[ScopeId.Gateway("gw-1")].ActiveCalls.ShouldBe(10);

        // release every key, in parallel, twice, plus keys that were refused: only the ten admitted count
        RunOnThreads(16, t =>
        {
            for (int i = t; i < 400; i += 16)
                registry.Release($"call-{i % 200}");
        });

        registry.OpenDialogCount.ShouldBe(0);
        var after = registry.Snapshot(now + Duration.FromSeconds(2));
        after.Scopes.ShouldBeEmpty();
        after.OpenDialogs.ShouldBe(0);
    }

    [Fact]
    public void Concurrent_admit_settle_release_keeps_every_scope_within_its_limit()
    {
        var limits = LimitsTable.Empty
            .WithPbx("pbx-a", new LinkLimits(MaxCalls: 7, MaxKbps: 400))
            .WithTenant("tenant-2", new LinkLimits(MaxCalls: 5))
            .WithGateway("gw-1", new GatewayLimits(MaxChannels: 4));
        var registry = new LiveUsageRegistry(limits);
        var now = Now;
        long maxSeenA = 0, maxSeenGw = 0;
        RunOnThreads(16, t =>
        {
            for (int i = 0; i < 200; i++)
            {
                var key = $"t{t}-{i}";
                var target = i % 2 == 0 ? Gw : PbxB;
                if (!registry.TryAdmit(key, new AdmissionRequest(PbxA, target, 80), now).IsAdmitted)
                    continue;
                registry.Settle(key, 24);
                var snapshot = registry.Snapshot(now);
                InterlockedMax(ref maxSeenA, snapshot.Scopes.GetValueOrDefault(ScopeId.Pbx("pbx-a")).ActiveCalls);
                InterlockedMax(ref maxSeenGw, snapshot.Scopes.GetValueOrDefault(ScopeId.Gateway("gw-1")).ActiveCalls);
                registry.Release(key);
                registry.Release(key);
            }
        });
        maxSeenA.ShouldBeLessThanOrEqualTo(7);
        maxSeenGw.ShouldBeLessThanOrEqualTo(4);
        registry.OpenDialogCount.ShouldBe(0);
        registry.Snapshot(now).Scopes.Values.ShouldAllBe(u => u.ActiveCalls == 0 && u.ReservedKbps == 0);
    }

    /// <summary>Dedicated threads released together (the thread pool would ramp up too slowly to overlap them).</summary>
    private static void RunOnThreads(int count, Action<int> body)
    {
        using var start = new Barrier(count);
        var threads = Enumerable.Range(0, count).Select(t => new Thread(() => { start.SignalAndWait(); body(t); })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long seen;
        while (value > (seen = Interlocked.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }

    [Fact]
    public void Release_is_idempotent_and_unknown_keys_change_nothing()
    {
        var registry = new LiveUsageRegistry(LimitsTable.Empty);
        registry.TryAdmit("c1", new AdmissionRequest(PbxA, PbxB, 80), Now);
        registry.TryAdmit("c2", new AdmissionRequest(PbxA, Gw, 24), Now);

        registry.Release("c1").ShouldNotBeNull().Kbps.ShouldBe(80);
        registry.Release("c1").ShouldBeNull();
        registry.Release("never-admitted").ShouldBeNull();

        var usage = registry.Snapshot(Now).Scopes;
        usage[ScopeId.Pbx("pbx-a")].ShouldBe(new ScopeUsage(1, 24, 2));
        usage[ScopeId.Pbx("pbx-b")].ShouldBe(new ScopeUsage(0, 0, 1)); // still a new call within the last second
        registry.Snapshot(Now + Duration.FromSeconds(1)).Scopes.ContainsKey(ScopeId.Pbx("pbx-b")).ShouldBeFalse();
    }

    [Fact]
    public void Admitting_an_open_key_again_reserves_nothing_more()
    {
        var registry = new LiveUsageRegistry(LimitsTable.Empty);
        registry.TryAdmit("c1", new AdmissionRequest(PbxA, Gw, 80), Now);
        registry.TryAdmit("c1", new AdmissionRequest(PbxA, Gw, 80), Now).ShouldBeOfType<Admitted>().AlreadyOpen.ShouldBeTrue();
        registry.Snapshot(Now).Scopes[ScopeId.Pbx("pbx-a")].ActiveCalls.ShouldBe(1);
    }

    [Fact]
    public void Settle_moves_the_reservation_to_the_negotiated_rate()
    {
        var registry = new LiveUsageRegistry(LimitsTable.Empty.WithPbx("pbx-a", new LinkLimits(MaxKbps: 100)));
        registry.TryAdmit("c1", new AdmissionRequest(PbxA, Gw, 80), Now).IsAdmitted.ShouldBeTrue();
        registry.TryAdmit("c2", new AdmissionRequest(PbxA, Gw, 80), Now).IsAdmitted.ShouldBeFalse(); // 160 > 100

        registry.Settle("c1", 24).ShouldBe(new Settlement(true, 80, 24));
        registry.TryAdmit("c2", new AdmissionRequest(PbxA, Gw, 24), Now).IsAdmitted.ShouldBeTrue(); // 48 <= 100

        // a re-INVITE raising the rate is never refused: the call keeps going, usage may pass the limit
        registry.Settle("c1", 80).ShouldBe(new Settlement(true, 24, 80));
        registry.Snapshot(Now).Scopes[ScopeId.Pbx("pbx-a")].ReservedKbps.ShouldBe(104);
        registry.Settle("gone", 10).Found.ShouldBeFalse();
    }

    [Fact]
    public void Calls_per_second_window_slides()
    {
        var registry = new LiveUsageRegistry(LimitsTable.Empty.WithPbx("pbx-a", new LinkLimits(MaxCallsPerSecond: 2)));
        registry.TryAdmit("c1", new AdmissionRequest(PbxA, Gw, 0), Now).IsAdmitted.ShouldBeTrue();
        _clock.AdvanceMilliseconds(400);
        registry.TryAdmit("c2", new AdmissionRequest(PbxA, Gw, 0), Now).IsAdmitted.ShouldBeTrue();
        registry.Release("c1"); // ending a call does not undo that it was a new call
        _clock.AdvanceMilliseconds(500);
        var refused = registry.TryAdmit("c3", new AdmissionRequest(PbxA, Gw, 0), Now).ShouldBeOfType<Refused>();
        refused.Hit.ShouldBe(new LimitHit(ScopeId.Pbx("pbx-a"), LinkSide.Source, LimitKind.CallsPerSecond, 2, 2, 1));
        _clock.AdvanceMilliseconds(100); // c1 is now exactly one second old: out of the window
        registry.TryAdmit("c3", new AdmissionRequest(PbxA, Gw, 0), Now).IsAdmitted.ShouldBeTrue();
    }

    [Fact]
    public void Emergency_calls_are_counted()
    {
        var registry = new LiveUsageRegistry(LimitsTable.Empty.WithPbx("pbx-a", new LinkLimits(MaxCalls: 1)));
        registry.TryAdmit("c1", new AdmissionRequest(PbxA, Gw, 80), Now).IsAdmitted.ShouldBeTrue();
        var emergency = registry.TryAdmit("112", new AdmissionRequest(PbxA, Gw, 80, IsEmergency: true), Now).ShouldBeOfType<Admitted>();
        emergency.BypassedLimit!.Limit.ShouldBe(LimitKind.Calls);
        registry.Snapshot(Now).Scopes[ScopeId.Pbx("pbx-a")].ActiveCalls.ShouldBe(2);
        registry.TryAdmit("c2", new AdmissionRequest(PbxA, Gw, 80), Now).IsAdmitted.ShouldBeFalse();
    }

    [Fact]
    public void Provisioning_a_new_limit_swaps_the_table_and_keeps_open_calls()
    {
        var registry = new LiveUsageRegistry(LimitsTable.Empty);
        registry.TryAdmit("c1", new AdmissionRequest(PbxA, Gw, 80), Now);
        registry.Limits = registry.Limits.WithPbx("pbx-a", new LinkLimits(MaxCalls: 1));
        registry.OpenDialogCount.ShouldBe(1);
        registry.TryAdmit("c2", new AdmissionRequest(PbxA, Gw, 80), Now).IsAdmitted.ShouldBeFalse();
    }

    [Fact]
    public void Rebuild_from_open_dialog_facts_restores_counters_and_the_cps_window()
    {
        var limits = LimitsTable.Empty.WithPbx("pbx-a", new LinkLimits(MaxCalls: 10, MaxCallsPerSecond: 2));
        var live = new LiveUsageRegistry(limits);
        live.TryAdmit("old", new AdmissionRequest(PbxA, PbxB, 80), Now - Duration.FromMinutes(5));
        live.TryAdmit("recent-1", new AdmissionRequest(PbxA, Gw, 24), Now - Duration.FromMilliseconds(300));
        live.TryAdmit("recent-2", new AdmissionRequest(PbxA, Gw, 24), Now - Duration.FromMilliseconds(100));
        live.Settle("old", 30);

        var restarted = new LiveUsageRegistry(limits);
        restarted.Rebuild(live.OpenDialogs(), Now).ShouldBe(3);

        restarted.Snapshot(Now).Scopes.ShouldBe(live.Snapshot(Now).Scopes, ignoreOrder: true);
        restarted.Snapshot(Now).Scopes[ScopeId.Pbx("pbx-a")].ShouldBe(new ScopeUsage(3, 78, 2));
        restarted.TryAdmit("next", new AdmissionRequest(PbxA, Gw, 24), Now).ShouldBeOfType<Refused>().Hit.Limit.ShouldBe(LimitKind.CallsPerSecond);
    }

    [Fact]
    public void Rebuild_replaces_previous_state_and_the_last_fact_for_a_key_wins()
    {
        var registry = new LiveUsageRegistry(LimitsTable.Empty);
        registry.TryAdmit("stale", new AdmissionRequest(PbxB, Gw, 80), Now);
        var at = Now - Duration.FromMinutes(1);
        registry.Rebuild(
        [
            new OpenDialog("c1", PbxA, Gw, 80, false, at),
            new OpenDialog("c1", PbxA, Gw, 24, false, at),
        ], Now).ShouldBe(1);

        var usage = registry.Snapshot(Now).Scopes;
        usage[ScopeId.Pbx("pbx-a")].ShouldBe(new ScopeUsage(1, 24, 0));
        usage.ContainsKey(ScopeId.Pbx("pbx-b")).ShouldBeFalse();
    }

    [Fact]
    public void A_pbx_calling_itself_uses_two_legs()
    {
        var registry = new LiveUsageRegistry(LimitsTable.Empty.WithPbx("pbx-a", new LinkLimits(MaxCalls: 3)));
        registry.TryAdmit("hairpin", new AdmissionRequest(PbxA, PbxA, 80), Now).IsAdmitted.ShouldBeTrue();
        registry.Snapshot(Now).Scopes[ScopeId.Pbx("pbx-a")].ShouldBe(new ScopeUsage(2, 160, 2));
        registry.TryAdmit("hairpin-2", new AdmissionRequest(PbxA, PbxA, 80), Now).IsAdmitted.ShouldBeFalse();
        registry.Release("hairpin");
        registry.Snapshot(Now + Duration.FromSeconds(1)).Scopes.ShouldBeEmpty();
    }
    [Fact]
    public void Gateway_failover_moves_the_reservation_and_checks_only_the_new_gateway()
    {
        var limits = LimitsTable.Empty
            .WithPbx("pbx-a", new LinkLimits(MaxCalls: 1, MaxCallsPerSecond: 1))
            .WithGateway("gw-2", new GatewayLimits(MaxChannels: 1));
        var registry = new LiveUsageRegistry(limits);
        registry.TryAdmit("c1", new AdmissionRequest(PbxA, Gw, 80), Now).IsAdmitted.ShouldBeTrue();

        // pbx-a is at its call and cps limits, but the call already holds those: only gw-2 is checked
        registry.TryRetarget("c1", CallLink.Gateway("gw-2"), Now).ShouldBe(Admitted.Plain);
        var usage = registry.Snapshot(Now).Scopes;
        usage[ScopeId.Gateway("gw-2")].ShouldBe(new ScopeUsage(1, 80, 1));
        usage[ScopeId.Gateway("gw-1")].ShouldBe(new ScopeUsage(0, 0, 1));
        usage[ScopeId.Pbx("pbx-a")].ShouldBe(new ScopeUsage(1, 80, 1));

        // gw-2 full for a second call: refused, nothing moves
        registry.TryAdmit("112", new AdmissionRequest(PbxB, Gw, 80, IsEmergency: true), Now).IsAdmitted.ShouldBeTrue();
        var bypassed = registry.TryRetarget("112", CallLink.Gateway("gw-2"), Now).ShouldBeOfType<Admitted>();
        bypassed.BypassedLimit!.Limit.ShouldBe(LimitKind.Channels); // emergency goes past it
        registry.TryRetarget("unknown", CallLink.Gateway("gw-2"), Now).ShouldBeNull();

        registry.Release("c1");
        registry.Release("112");
        registry.Snapshot(Now + Duration.FromSeconds(1)).Scopes.ShouldBeEmpty();
    }

    [Fact]
    public void Failover_to_a_full_gateway_is_refused_and_keeps_the_old_target()
    {
        var registry = new LiveUsageRegistry(LimitsTable.Empty.WithGateway("gw-2", new GatewayLimits(MaxChannels: 0)));
        registry.TryAdmit("c1", new AdmissionRequest(PbxA, Gw, 80), Now);
        var refused = registry.TryRetarget("c1", CallLink.Gateway("gw-2"), Now).ShouldBeOfType<Refused>();
        refused.Hit.ShouldBe(new LimitHit(ScopeId.Gateway("gw-2"), LinkSide.Target, LimitKind.Channels, 0, 0, 1));
        registry.OpenDialogs().ShouldHaveSingleItem().Target.ShouldBe(Gw);
    }
}
