using CallControl.Limits;
using NodaTime;
using Shouldly;
using Xunit;

namespace CallControl.Tests.Limits;

/// <summary>Given usage / When a call asks / Then the decision.</summary>
public class AdmissionDeciderTests
{
    private static readonly Instant Now = Instant.FromUtc(2025, 11, 26, 9, 0);
    private static readonly CallLink PbxA = CallLink.Pbx("pbx-a", "tenant-1");
    private static readonly CallLink PbxB = CallLink.Pbx("pbx-b", "tenant-2");
    private static readonly CallLink PbxC = CallLink.Pbx("pbx-c", "tenant-1");
    private static readonly CallLink Gw = CallLink.Gateway("gw-1");

    private static UsageSnapshot Given(params (ScopeId Scope, ScopeUsage Usage)[] usage) =>
        new(Now, usage.ToDictionary(u => u.Scope, u => u.Usage), 0);

    private static AdmissionDecision When(LimitsTable limits, UsageSnapshot usage, AdmissionRequest request) =>
        AdmissionDecider.Decide(limits, usage, request, Now, AdmissionOptions.Default);

    [Fact]
    public void No_limits_admits()
    {
        When(LimitsTable.Empty, Given(), new AdmissionRequest(PbxA, PbxB, 80)).ShouldBe(Admitted.Plain);
    }

    [Fact]
    public void Source_pbx_at_its_call_limit_is_refused_with_503_and_retry_after()
    {
        var limits = LimitsTable.Empty.WithPbx("pbx-a", new LinkLimits(MaxCalls: 10));
        var usage = Given((ScopeId.Pbx("pbx-a"), new ScopeUsage(10, 800, 0)));

        var refused = When(limits, usage, new AdmissionRequest(PbxA, Gw, 80)).ShouldBeOfType<Refused>();

        refused.Hit.ShouldBe(new LimitHit(ScopeId.Pbx("pbx-a"), LinkSide.Source, LimitKind.Calls, 10, 10, 1));
        refused.Answer.ShouldBe(new SipRefusal(503, "Service Unavailable", 34, Duration.FromSeconds(5)));
    }

    [Fact]
    public void One_below_the_limit_admits()
    {
        var limits = LimitsTable.Empty.WithPbx("pbx-a", new LinkLimits(MaxCalls: 10));
        When(limits, Given((ScopeId.Pbx("pbx-a"), new ScopeUsage(9, 0, 0))), new AdmissionRequest(PbxA, Gw, 80))
            .IsAdmitted.ShouldBeTrue();
    }

    [Fact]
    public void Bandwidth_limit_counts_the_estimate_of_this_call()
    {
        var limits = LimitsTable.Empty.WithPbx("pbx-a", new LinkLimits(MaxKbps: 1000));
        var usage = Given((ScopeId.Pbx("pbx-a"), new ScopeUsage(12, 950, 0)));

        When(limits, usage, new AdmissionRequest(PbxA, Gw, 24)).IsAdmitted.ShouldBeTrue(); // G.729 fits: 974
        var refused = When(limits, usage, new AdmissionRequest(PbxA, Gw, 80)).ShouldBeOfType<Refused>(); // G.711 does not: 1030
        refused.Hit.ShouldBe(new LimitHit(ScopeId.Pbx("pbx-a"), LinkSide.Source, LimitKind.Bandwidth, 1000, 950, 80));
    }

    [Fact]
    public void Calls_per_second_refusal_retries_after_one_second()
    {
        var limits = LimitsTable.Empty.WithPbx("pbx-a", new LinkLimits(MaxCallsPerSecond: 5));
        var refused = When(limits, Given((ScopeId.Pbx("pbx-a"), new ScopeUsage(3, 0, 5))), new AdmissionRequest(PbxA, Gw, 80))
            .ShouldBeOfType<Refused>();
        refused.Hit.Limit.ShouldBe(LimitKind.CallsPerSecond);
        refused.Answer.RetryAfter.ShouldBe(Duration.FromSeconds(1));
    }

    [Fact]
    public void Tenant_limit_applies_across_its_pbxs()
    {
        var limits = LimitsTable.Empty.WithTenant("tenant-1", new LinkLimits(MaxCalls: 20));
        var usage = Given((ScopeId.Pbx("pbx-a"), new ScopeUsage(5, 0, 0)), (ScopeId.Tenant("tenant-1"), new ScopeUsage(20, 0, 0)));

        var refused = When(limits, usage, new AdmissionRequest(PbxC, Gw, 80)).ShouldBeOfType<Refused>();
        refused.Hit.Scope.ShouldBe(ScopeId.Tenant("tenant-1"));
    }

    [Fact]
    public void Target_pbx_full_is_refused_486_busy_here_without_retry_after()
    {
        var limits = LimitsTable.Empty.WithPbx("pbx-b", new LinkLimits(MaxCalls: 2));
        var usage = Given((ScopeId.Pbx("pbx-b"), new ScopeUsage(2, 0, 0)));

        var refused = When(limits, usage, new AdmissionRequest(PbxA, PbxB, 80)).ShouldBeOfType<Refused>();
        refused.Hit.Side.ShouldBe(LinkSide.Target);
        refused.Answer.ShouldBe(new SipRefusal(486, "Busy Here", 17, null));
    }

    [Fact]
    public void Target_gateway_out_of_channels_is_refused_503_without_retry_after()
    {
        var limits = LimitsTable.Empty.WithGateway("gw-1", new GatewayLimits(MaxChannels: 30));
        var usage = Given((ScopeId.Gateway("gw-1"), new ScopeUsage(30, 0, 0)));

        var refused = When(limits, usage, new AdmissionRequest(PbxA, Gw, 80)).ShouldBeOfType<Refused>();
        refused.Hit.ShouldBe(new LimitHit(ScopeId.Gateway("gw-1"), LinkSide.Target, LimitKind.Channels, 30, 30, 1));
        refused.Answer.ShouldBe(new SipRefusal(503, "Service Unavailable", 34, null));
    }

    [Fact]
    public void Both_links_are_checked_and_the_source_is_reported_first()
    {
        var limits = LimitsTable.Empty
            .WithPbx("pbx-a", new LinkLimits(MaxCalls: 1))
            .WithPbx("pbx-b", new LinkLimits(MaxCalls: 1));
        var bothFull = Given((ScopeId.Pbx("pbx-a"), new ScopeUsage(1, 0, 0)), (ScopeId.Pbx("pbx-b"), new ScopeUsage(1, 0, 0)));
        var onlyTargetFull = Given((ScopeId.Pbx("pbx-b"), new ScopeUsage(1, 0, 0)));

        When(limits, bothFull, new AdmissionRequest(PbxA, PbxB, 80)).ShouldBeOfType<Refused>().Hit.Scope.ShouldBe(ScopeId.Pbx("pbx-a"));
        When(limits, onlyTargetFull, new AdmissionRequest(PbxA, PbxB, 80)).ShouldBeOfType<Refused>().Hit.Scope.ShouldBe(ScopeId.Pbx("pbx-b"));
        When(limits, onlyTargetFull, new AdmissionRequest(PbxB, PbxA, 80)).ShouldBeOfType<Refused>().Hit.Side.ShouldBe(LinkSide.Source);
    }

    [Fact]
    public void Inbound_from_a_gateway_checks_the_gateway_channels_and_the_target_pbx()
    {
        var limits = LimitsTable.Empty.WithGateway("gw-1", new GatewayLimits(MaxChannels: 1));
        var refused = When(limits, Given((ScopeId.Gateway("gw-1"), new ScopeUsage(1, 0, 0))), new AdmissionRequest(Gw, PbxA, 80))
            .ShouldBeOfType<Refused>();
        refused.Hit.Side.ShouldBe(LinkSide.Source);
        refused.Answer.StatusCode.ShouldBe(503);
    }

    [Fact]
    public void A_call_within_one_tenant_uses_two_tenant_legs()
    {
        // pbx-a -> pbx-c, both tenant-1: the media crosses two of the tenant's links
        var limits = LimitsTable.Empty.WithTenant("tenant-1", new LinkLimits(MaxCalls: 3, MaxKbps: 1000));
        var usage = Given((ScopeId.Tenant("tenant-1"), new ScopeUsage(2, 0, 0)));

        var refused = When(limits, usage, new AdmissionRequest(PbxA, PbxC, 80)).ShouldBeOfType<Refused>();
        refused.Hit.ShouldBe(new LimitHit(ScopeId.Tenant("tenant-1"), LinkSide.Source, LimitKind.Calls, 3, 2, 2));
    }

    [Fact]
    public void Emergency_calls_are_admitted_past_any_limit_and_the_bypassed_limit_is_recorded()
    {
        var limits = LimitsTable.Empty.WithPbx("pbx-a", new LinkLimits(MaxCalls: 0, MaxKbps: 0, MaxCallsPerSecond: 0));
        var usage = Given((ScopeId.Pbx("pbx-a"), new ScopeUsage(4, 320, 9)));

        var admitted = When(limits, usage, new AdmissionRequest(PbxA, Gw, 80, IsEmergency: true)).ShouldBeOfType<Admitted>();
        admitted.BypassedLimit.ShouldBe(new LimitHit(ScopeId.Pbx("pbx-a"), LinkSide.Source, LimitKind.Calls, 0, 4, 1));
    }

    [Fact]
    public void Unlimited_target_checks_only_the_source()
    {
        var limits = LimitsTable.Empty.WithPbx("pbx-a", new LinkLimits(MaxCalls: 1));
        When(limits, Given(), new AdmissionRequest(PbxA, CallLink.Unlimited, 80)).IsAdmitted.ShouldBeTrue();
    }

    [Fact]
    public void Same_inputs_same_decision()
    {
        var limits = LimitsTable.Empty.WithPbx("pbx-a", new LinkLimits(MaxCalls: 3));
        var usage = Given((ScopeId.Pbx("pbx-a"), new ScopeUsage(3, 0, 0)));
        var request = new AdmissionRequest(PbxA, Gw, 80);
        When(limits, usage, request).ShouldBe(When(limits, usage, request));
    }
    [Fact]
    public void Retarget_checks_only_the_legs_the_move_adds()
    {
        var limits = LimitsTable.Empty
            .WithPbx("pbx-a", new LinkLimits(MaxCalls: 1))
            .WithGateway("gw-2", new GatewayLimits(MaxChannels: 5));
        var usage = Given((ScopeId.Pbx("pbx-a"), new ScopeUsage(1, 80, 1)), (ScopeId.Gateway("gw-1"), new ScopeUsage(1, 80, 1)),
                          (ScopeId.Gateway("gw-2"), new ScopeUsage(5, 0, 0)));
        var current = new AdmissionRequest(PbxA, Gw, 80);

        AdmissionDecider.DecideRetarget(limits, usage, current, CallLink.Gateway("gw-3"), Now, AdmissionOptions.Default)
            .ShouldBe(Admitted.Plain);
        AdmissionDecider.DecideRetarget(limits, usage, current, CallLink.Gateway("gw-2"), Now, AdmissionOptions.Default)
            .ShouldBeOfType<Refused>().Hit.Scope.ShouldBe(ScopeId.Gateway("gw-2"));
        // moving onto pbx-a itself adds a pbx-a leg: checked
        AdmissionDecider.DecideRetarget(limits, usage, current, PbxA, Now, AdmissionOptions.Default)
            .ShouldBeOfType<Refused>().Hit.ShouldBe(new LimitHit(ScopeId.Pbx("pbx-a"), LinkSide.Source, LimitKind.Calls, 1, 1, 1));
    }
    [Fact]
    public void Negative_limits_are_refused_naming_the_scope_and_setting()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => LimitsTable.Empty.WithPbx("pbx-a", new LinkLimits(MaxKbps: -1)))
            .Message.ShouldContain("pbx:pbx-a: MaxKbps");
        Should.Throw<ArgumentOutOfRangeException>(() => LimitsTable.Empty.WithGateway("gw-1", new GatewayLimits(-5)))
            .Message.ShouldContain("gateway:gw-1: MaxChannels");
    }
}
