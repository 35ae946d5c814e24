using CallControl.Limits;
using NodaTime;
using Shouldly;
using Xunit;

namespace CallControl.Tests.Limits;

/// <summary>Admission over a route's targets in failover order (<see cref="LiveUsageRegistry.TryAdmitFirstFree"/>): a full
/// gateway is a skipped candidate, not a refused call.</summary>
public class FirstFreeTargetTests
{
    private static readonly CallLink Caller = CallLink.Pbx("acme-hq", "acme");
    private static readonly CallLink GwA = CallLink.Gateway("gw-a");
    private static readonly CallLink GwB = CallLink.Gateway("gw-b");
    private static readonly CallLink GwC = CallLink.Gateway("gw-c");
    private static readonly Instant T0 = Instant.FromUtc(2026, 11, 26, 14, 0);

    private static LiveUsageRegistry Registry(int? gwA = 1, int? gwB = 1, LinkLimits? caller = null) =>
        new(LimitsTable.Empty
            .WithGateway("gw-a", new GatewayLimits(gwA))
            .WithGateway("gw-b", new GatewayLimits(gwB))
            .WithPbx("acme-hq", caller ?? LinkLimits.Unlimited));

    private static int Channels(LiveUsageRegistry registry, CallLink gateway) => registry.ActiveCallsOf(ScopeId.Gateway(gateway.GatewayId!));

    [Fact]
    public void A_free_first_gateway_takes_the_call_and_nothing_is_skipped()
    {
        var registry = Registry();

        var outcome = registry.TryAdmitFirstFree("c1", Caller, [GwA, GwB], 80, isEmergency: false, T0);

        outcome.Decision.ShouldBe(Admitted.Plain);
        outcome.TargetIndex.ShouldBe(0);
        outcome.Skipped.ShouldBeEmpty();
        Channels(registry, GwA).ShouldBe(1);
        Channels(registry, GwB).ShouldBe(0);
    }

    [Fact]
    public void A_full_first_gateway_is_skipped_with_its_limit_and_count_and_the_call_is_counted_on_the_next()
    {
        var registry = Registry();
        registry.TryAdmitFirstFree("c1", Caller, [GwA, GwB], 80, false, T0).TargetIndex.ShouldBe(0);

        var outcome = registry.TryAdmitFirstFree("c2", Caller, [GwA, GwB], 80, false, T0);

        outcome.Decision.ShouldBeOfType<Admitted>();
        outcome.TargetIndex.ShouldBe(1);
        outcome.Skipped.ShouldHaveSingleItem().ShouldBe(
            new SkippedTarget(0, new LimitHit(ScopeId.Gateway("gw-a"), LinkSide.Target, LimitKind.Channels, 1, 1, 1)));
        registry.Find("c2")!.Target.ShouldBe(GwB);
        Channels(registry, GwA).ShouldBe(1);
        Channels(registry, GwB).ShouldBe(1);
        registry.ActiveCallsOf(ScopeId.Pbx("acme-hq")).ShouldBe(2); // the caller's side counted once per call
    }

    [Fact]
    public void Every_gateway_full_refuses_with_every_hit_and_reserves_nothing_not_even_a_calls_per_second_slot()
    {
        var registry = Registry(caller: new LinkLimits(MaxCallsPerSecond: 5));
        registry.TryAdmitFirstFree("c1", Caller, [GwA, GwB], 80, false, T0);
        registry.TryAdmitFirstFree("c2", Caller, [GwA, GwB], 80, false, T0);
        var before = registry.Snapshot(T0);

        var outcome = registry.TryAdmitFirstFree("c3", Caller, [GwA, GwB], 80, false, T0);

        var refused = outcome.Decision.ShouldBeOfType<Refused>();
        refused.Hit.ShouldBe(new LimitHit(ScopeId.Gateway("gw-b"), LinkSide.Target, LimitKind.Channels, 1, 1, 1));
        refused.Answer.StatusCode.ShouldBe(503);
        // No Retry-After: it would make the caller's PBX back off from the whole controller (every destination, every
        // callee) for what is one route's gateways being full (AdmissionOptions, docs/decisions.md).
        refused.Answer.ShouldBe(new SipRefusal(503, "Service Unavailable", 34, null));
        outcome.TargetIndex.ShouldBe(-1);
        outcome.Skipped.Select(s => (s.TargetIndex, s.Hit.Scope.Id)).ShouldBe([(0, "gw-a"), (1, "gw-b")]);
        registry.Find("c3").ShouldBeNull();
        registry.Snapshot(T0).Scopes.ShouldBe(before.Scopes);

        registry.Release("c1");
        registry.Release("c2");
        registry.OpenDialogCount.ShouldBe(0);
        Channels(registry, GwA).ShouldBe(0);
        Channels(registry, GwB).ShouldBe(0);
    }

    [Fact]
    public void A_limit_of_the_callers_side_refuses_at_once_without_walking_the_gateways()
    {
        var registry = Registry(gwA: 0, caller: new LinkLimits(MaxCalls: 0));

        var outcome = registry.TryAdmitFirstFree("c1", Caller, [GwA, GwB], 80, false, T0);

        var refused = outcome.Decision.ShouldBeOfType<Refused>();
        refused.Hit.Side.ShouldBe(LinkSide.Source);
        refused.Hit.Scope.ShouldBe(ScopeId.Pbx("acme-hq"));
        outcome.Skipped.ShouldBeEmpty();
        registry.OpenDialogCount.ShouldBe(0);
    }

    [Fact]
    public void A_gateway_without_a_limit_after_two_full_ones_takes_the_call()
    {
        var registry = Registry(gwA: 0, gwB: 0);

        var outcome = registry.TryAdmitFirstFree("c1", Caller, [GwA, GwB, GwC], 80, false, T0);

        outcome.TargetIndex.ShouldBe(2);
        outcome.Skipped.Select(s => s.TargetIndex).ShouldBe([0, 1]);
        Channels(registry, GwC).ShouldBe(1);
    }

    [Fact]
    public void An_emergency_call_stays_on_its_first_gateway_past_the_limit_with_the_bypass_recorded()
    {
        var registry = Registry(gwA: 0, gwB: 0);

        var outcome = registry.TryAdmitFirstFree("sos", Caller, [GwA, GwB], 80, isEmergency: true, T0);

        var admitted = outcome.Decision.ShouldBeOfType<Admitted>();
        admitted.BypassedLimit.ShouldBe(new LimitHit(ScopeId.Gateway("gw-a"), LinkSide.Target, LimitKind.Channels, 0, 0, 1));
        outcome.TargetIndex.ShouldBe(0);
        outcome.Skipped.ShouldBeEmpty();
        Channels(registry, GwA).ShouldBe(1);
    }

    [Fact]
    public void A_pbx_at_its_limit_passes_the_call_to_the_unlimited_target_after_it()
    {
        var callee = CallLink.Pbx("globex-main", "globex");
        var registry = new LiveUsageRegistry(LimitsTable.Empty.WithPbx("globex-main", new LinkLimits(MaxCalls: 0)));

        var outcome = registry.TryAdmitFirstFree("c1", Caller, [callee, CallLink.Unlimited], 80, false, T0);

        outcome.TargetIndex.ShouldBe(1);
        outcome.Skipped.ShouldHaveSingleItem().Hit.ShouldBe(new LimitHit(ScopeId.Pbx("globex-main"), LinkSide.Target, LimitKind.Calls, 0, 0, 1));
        registry.Find("c1")!.Target.ShouldBe(CallLink.Unlimited);
        registry.ActiveCallsOf(ScopeId.Pbx("globex-main")).ShouldBe(0);
    }

    [Fact]
    public void Failover_goes_on_from_the_admitted_gateway_and_a_duplicate_admission_names_the_target_held()
    {
        var registry = Registry(gwA: 0);
        registry.TryAdmitFirstFree("c1", Caller, [GwA, GwB, GwC], 80, false, T0).TargetIndex.ShouldBe(1);

        registry.TryAdmitFirstFree("c1", Caller, [GwA, GwB, GwC], 80, false, T0)
            .ShouldSatisfyAllConditions(o => o.Decision.ShouldBe(new Admitted(null, AlreadyOpen: true)), o => o.TargetIndex.ShouldBe(1));
        registry.TryRetarget("c1", GwC, T0).ShouldBeOfType<Admitted>();
        Channels(registry, GwB).ShouldBe(0);
        Channels(registry, GwC).ShouldBe(1);
        registry.Release("c1").ShouldNotBeNull();
        registry.Snapshot(T0 + Duration.FromSeconds(5)).Scopes.ShouldBeEmpty();
    }

    [Fact]
    public void No_targets_means_an_unlimited_target_side()
    {
        var registry = Registry();

        var outcome = registry.TryAdmitFirstFree("c1", Caller, [], 80, false, T0);

        outcome.TargetIndex.ShouldBe(0);
        registry.Find("c1")!.Target.ShouldBe(CallLink.Unlimited);
    }
}
