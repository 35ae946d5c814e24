using System.Net;
using System.Text;
using CallControl.Calls;
using CallControl.Host;
using CallControl.Host.Calls;
using CallControl.Host.Limits;
using CallControl.Host.Provisioning;
using CallControl.Limits;
using CallControl.Provisioning;
using CallControl.Routing;
using CallControl.Sip.Proxy;
using NodaTime;
using Shouldly;

namespace CallControl.Tests.Limits;

/// <summary>The guard alone, in memory: what it reserves, settles and releases, and the events it returns.</summary>
public sealed class LimitsGuardTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 11, 26, 14, 0);
    private static readonly IPAddress Acme = IPAddress.Parse("127.0.0.11");

    private static string Sdp(string payloads, params string[] rtpmaps) =>
        "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
        $"m=audio 4000 RTP/AVP {payloads}\r\n" + string.Concat(rtpmaps.Select(r => $"a=rtpmap:{r}\r\n"));

    private static readonly string PcmuOrG729 = Sdp("0 18", "0 PCMU/8000", "18 G729/8000");
    private static readonly string G729 = Sdp("18", "18 G729/8000");
    private static readonly string Pcmu = Sdp("0", "0 PCMU/8000");

    private sealed class World
    {
        public RoutingSnapshot Snapshot;
        public readonly LiveLimits Limits;
        public readonly LimitsGuard Guard;

        public World(Func<ProvisioningDocument, ProvisioningDocument>? change = null)
        {
            Snapshot = SnapshotOf(change);
            Limits = new LiveLimits(() => Snapshot);
            Guard = new LimitsGuard(Limits, new ControllerSettings { MaxCallDuration = TimeSpan.FromHours(2) });
        }

        public static RoutingSnapshot SnapshotOf(Func<ProvisioningDocument, ProvisioningDocument>? change)
        {
            var doc = (change ?? (d => d))(ProvisioningJson.Demo());
            ProvisioningValidator.Validate(doc).ShouldBeEmpty();
            return new RoutingSnapshot(ProvisioningState.Empty.ApplyAll(ProvisioningPlanner.Plan(ProvisioningState.Empty, doc, T0).Select(c => c.Event)));
        }

        public GuardDecision Call(string key, string dialled, string sdp, bool emergency = false, Instant? at = null, IPAddress? from = null)
        {
            from ??= Acme;
            Route = Router.Route(Snapshot, new CallAttempt(from, dialled, "100"));
            var invite = new InviteRequest(new DialogKey(key, "tag"), new SipEndpoint(from, 5060, SipTransport.Udp), $"sip:{dialled}@cloud", dialled,
                $"sip:100@{from}", "100", null, $"sip:{dialled}@cloud", dialled, "application/sdp", Encoding.ASCII.GetBytes(sdp));
            return Guard.Admit(new NewCall(key, invite, Route, emergency, at ?? T0));
        }

        /// <summary>The route of the last <see cref="Call"/>.</summary>
        public RoutingResult? Route { get; private set; }

        public ScopeUsage Usage(ScopeId scope) => Limits.Current().Snapshot(T0).Scopes.GetValueOrDefault(scope);
    }

    [Fact]
    public void A_call_reserves_the_offer_then_the_answer_then_the_reinvite_and_releases_everything()
    {
        var world = new World();
        var admitted = world.Call("c1", "+31205550200", PcmuOrG729).ShouldBeOfType<GuardAdmits>();

        admitted.MaxDuration.ShouldBe(Duration.FromHours(2));
        var reserved = admitted.Events.ShouldHaveSingleItem().Event.ShouldBeOfType<BandwidthReserved>();
        reserved.ShouldSatisfyAllConditions(
            r => r.Kbps.ShouldBe(80), r => r.Codecs.ShouldBe(["PCMU/8000"]),
            r => r.Source.ShouldBe(new LinkRef("acme-hq", "acme", null)), r => r.Target.ShouldBe(new LinkRef("globex-main", "globex", null)));
        world.Usage(ScopeId.Pbx("globex-main")).ReservedKbps.ShouldBe(80);

        var answered = world.Guard.Answered("c1", Encoding.ASCII.GetBytes(G729), T0).ShouldHaveSingleItem().Event.ShouldBeOfType<BandwidthChanged>();
        answered.ShouldBe(new BandwidthChanged("c1", 80, 24, "PCMU/8000", "G729/8000", BandwidthChanged.AnswerSettled, T0));
        world.Usage(ScopeId.Tenant("acme")).ReservedKbps.ShouldBe(24);

        var reinvited = world.Guard.Reinvited("c1", Encoding.ASCII.GetBytes(Pcmu), Encoding.ASCII.GetBytes(Pcmu), T0)
            .ShouldHaveSingleItem().Event.ShouldBeOfType<BandwidthChanged>();
        reinvited.ShouldBe(new BandwidthChanged("c1", 24, 80, "G729/8000", "PCMU/8000", BandwidthChanged.Reinvite, T0));
        world.Usage(ScopeId.Pbx("acme-hq")).ReservedKbps.ShouldBe(80);
        world.Guard.Reinvited("c1", Encoding.ASCII.GetBytes(Pcmu), Encoding.ASCII.GetBytes(Pcmu), T0).ShouldBeEmpty(); // nothing changed

        world.Guard.Release("c1", Duration.FromMinutes(1), T0).ShouldBeEmpty();
        world.Guard.Release("c1", Duration.FromMinutes(1), T0).ShouldBeEmpty();
        world.Limits.Current().OpenDialogCount.ShouldBe(0);
        world.Limits.Current().Snapshot(T0).Scopes.Values.ShouldAllBe(u => u.ActiveCalls == 0 && u.ReservedKbps == 0);
    }

    [Fact]
    public void The_callee_over_its_limit_gets_486_and_the_event_names_the_limit_and_the_count()
    {
        var world = new World(); // the demo: globex-main at most 2 calls and 200 kbit/s
        world.Call("c1", "+31205550200", Pcmu).ShouldBeOfType<GuardAdmits>();
        world.Call("c2", "+31205550201", Pcmu).ShouldBeOfType<GuardAdmits>();

        var refused = world.Call("c3", "+31205550202", Pcmu).ShouldBeOfType<GuardRefuses>();

        refused.StatusCode.ShouldBe(486);
        refused.RetryAfter.ShouldBeNull();
        refused.Reason.ShouldBe("Limit reached: pbx:globex-main (callee) concurrent calls limit 2, 2 calls in use, this call needs 1");
        refused.Events.ShouldHaveSingleItem().Event.ShouldBe(
            new CallLimitHit("c3", "pbx:globex-main", "target", "calls", 2, 2, 1, Bypassed: false, StatusCode: 486, T0));
        world.Usage(ScopeId.Pbx("globex-main")).ActiveCalls.ShouldBe(2);
    }

    [Fact]
    public void The_caller_over_its_bandwidth_gets_503_with_retry_after()
    {
        var world = new World(d => d.WithPbx("acme-hq", p => p with { Limits = new LimitsSpec { MaxKbps = 100 } }));
        world.Call("c1", "+31205550200", Pcmu).ShouldBeOfType<GuardAdmits>();

        var refused = world.Call("c2", "+31205550201", Pcmu).ShouldBeOfType<GuardRefuses>();

        refused.StatusCode.ShouldBe(503);
        refused.RetryAfter.ShouldBe(TimeSpan.FromSeconds(5));
        refused.Events.ShouldHaveSingleItem().Event.ShouldBeOfType<CallLimitHit>()
            .ShouldSatisfyAllConditions(h => h.Scope.ShouldBe("pbx:acme-hq"), h => h.Limit.ShouldBe("kbps"), h => h.CurrentValue.ShouldBe(80), h => h.Requested.ShouldBe(80));
    }

    [Fact]
    public void An_emergency_call_goes_past_the_limit_and_the_bypass_is_recorded()
    {
        var world = new World(d => d.WithPbx("acme-hq", p => p with { Limits = new LimitsSpec { MaxCalls = 0 } }));

        var admitted = world.Call("e1", "112", Pcmu, emergency: true).ShouldBeOfType<GuardAdmits>();

        admitted.Events.Select(e => e.Event.GetType()).ShouldBe([typeof(BandwidthReserved), typeof(CallLimitHit)]);
        admitted.Events[1].Event.ShouldBeOfType<CallLimitHit>().Bypassed.ShouldBeTrue();
        world.Usage(ScopeId.Pbx("acme-hq")).ActiveCalls.ShouldBe(1);
    }

    [Fact]
    public void Gateway_failover_moves_the_channel_to_the_next_gateway_and_records_the_move()
    {
        var world = new World(); // acme dialling 0301234567 leaves by LCR "+": gw-a, then gw-b
        world.Call("c1", "0301234567", Pcmu).ShouldBeOfType<GuardAdmits>();
        world.Usage(ScopeId.Gateway("gw-a")).ActiveCalls.ShouldBe(1);

        var moved = world.Guard.Retarget("c1", 1, T0).ShouldBeOfType<GuardAdmits>();

        moved.Events.ShouldHaveSingleItem().Event.ShouldBe(
            new CallRetargeted("c1", 1, new LinkRef(null, null, "gw-a"), new LinkRef(null, null, "gw-b"), FromCount: 0, ToCount: 1, T0));
        world.Usage(ScopeId.Gateway("gw-a")).ActiveCalls.ShouldBe(0);
        world.Usage(ScopeId.Gateway("gw-b")).ShouldBe(new ScopeUsage(1, 80, 1)); // a new call in gw-b's calls-per-second window
        world.Usage(ScopeId.Pbx("acme-hq")).ActiveCalls.ShouldBe(1); // the caller's side is not touched
        world.Guard.Retarget("c1", 1, T0).Events.ShouldBeEmpty();    // already there: nothing to move
        world.Guard.Retarget("c1", 7, T0).ShouldBe(GuardAdmits.Plain); // no such target

        world.Guard.Release("c1", Duration.Zero, T0);
        world.Usage(ScopeId.Gateway("gw-b")).ActiveCalls.ShouldBe(0);
        world.Guard.Retarget("c1", 1, T0).ShouldBe(GuardAdmits.Plain); // ended: nothing moves
    }

    [Fact]
    public void A_failover_gateway_without_a_free_channel_is_skipped_and_the_call_stays_where_it_was()
    {
        var world = new World(d => d with { Gateways = d.Gateways.Select(g => g.Id == "gw-b" ? g with { MaxChannels = 1 } : g).ToList() });
        world.Call("uk", "00442071234567", Pcmu).ShouldBeOfType<GuardAdmits>(); // carrier uk: gw-b first, takes its channel
        world.Call("c1", "0301234567", Pcmu).ShouldBeOfType<GuardAdmits>();

        var skipped = world.Guard.Retarget("c1", 1, T0).ShouldBeOfType<GuardRefuses>();

        skipped.StatusCode.ShouldBe(503);
        skipped.Q850Cause.ShouldBe(34);
        skipped.Reason.ShouldBe("Limit reached: gateway:gw-b (callee) channels limit 1, 1 channels in use, this call needs 1");
        skipped.Events.ShouldHaveSingleItem().Event.ShouldBe(new FailoverTargetSkipped("c1", 1, "gateway:gw-b", "channels", 1, 1, T0));
        world.Usage(ScopeId.Gateway("gw-a")).ActiveCalls.ShouldBe(1);
        world.Usage(ScopeId.Gateway("gw-b")).ActiveCalls.ShouldBe(1);
    }

    [Fact]
    public void A_full_first_gateway_is_a_skipped_candidate_the_call_starts_on_the_next_and_all_full_is_refused_naming_every_limit()
    {
        var world = new World(d => d with { Gateways = d.Gateways.Select(g => g with { MaxChannels = 1 }).ToList() });
        world.Call("c1", "0301234567", Pcmu).ShouldBeOfType<GuardAdmits>().FirstTarget.ShouldBe(0); // LCR "+": gw-a, then gw-b

        var second = world.Call("c2", "0301234567", Pcmu).ShouldBeOfType<GuardAdmits>();

        const string gwAFull = "gateway:gw-a (callee) channels limit 1, 1 channels in use, this call needs 1";
        const string gwBFull = "gateway:gw-b (callee) channels limit 1, 1 channels in use, this call needs 1";
        second.FirstTarget.ShouldBe(1);
        second.Skipped.ShouldBe([new SkippedCandidate(0, "limit: " + gwAFull)]);
        second.Events.Count.ShouldBe(2);
        second.Events[0].Event.ShouldBe(new FailoverTargetSkipped("c2", 0, "gateway:gw-a", "channels", 1, 1, T0, AtAdmission: true));
        second.Events[1].Event.ShouldBeOfType<BandwidthReserved>().ShouldSatisfyAllConditions(
            r => r.Source.ShouldBe(new LinkRef("acme-hq", "acme", null)), r => r.Target.ShouldBe(new LinkRef(null, null, "gw-b")));
        world.Usage(ScopeId.Gateway("gw-a")).ActiveCalls.ShouldBe(1);
        world.Usage(ScopeId.Gateway("gw-b")).ActiveCalls.ShouldBe(1);

        var third = world.Call("c3", "0301234567", Pcmu).ShouldBeOfType<GuardRefuses>();

        third.StatusCode.ShouldBe(503);
        third.Q850Cause.ShouldBe(34);
        third.Reason.ShouldBe($"Limit reached: every target is full: {gwAFull}; {gwBFull}");
        third.Skipped.Select(k => k.TargetIndex).ShouldBe([0, 1]);
        third.Events.Select(e => e.Event).ShouldBe(
        [
            new CallLimitHit("c3", "gateway:gw-a", "target", "channels", 1, 1, 1, Bypassed: false, StatusCode: 503, T0),
            new CallLimitHit("c3", "gateway:gw-b", "target", "channels", 1, 1, 1, Bypassed: false, StatusCode: 503, T0),
        ]);

        world.Guard.Release("c1", Duration.Zero, T0);
        world.Guard.Release("c2", Duration.Zero, T0);
        world.Usage(ScopeId.Gateway("gw-a")).ActiveCalls.ShouldBe(0);
        world.Usage(ScopeId.Gateway("gw-b")).ActiveCalls.ShouldBe(0);
        world.Limits.Current().OpenDialogCount.ShouldBe(0);
    }

    [Fact]
    public void Routing_records_the_skipped_gateway_as_a_candidate_with_its_limit()
    {
        var world = new World(d => d with { Gateways = d.Gateways.Select(g => g.Id == "gw-a" ? g with { MaxChannels = 0 } : g).ToList() });
        var admits = world.Call("c1", "0301234567", Pcmu).ShouldBeOfType<GuardAdmits>();
        var route = world.Route.ShouldBeOfType<RoutedToGateways>();
        var targets = route.Targets.Select(t => new CallPolicy.PlannedTarget(
            new ForwardTarget(t.RequestUri, new SipEndpoint(t.Address, t.Port, SipTransport.Udp)), new RoutedTarget("gateway", t.GatewayId, t.RequestUri, "x"))).ToList();

        var marked = CallPolicy.MarkSkipped(route.Candidates, targets, admits.Skipped, admits.FirstTarget);

        var gateways = marked.Where(c => c.Kind == "gateway").ToList();
        gateways.Select(c => (c.Id, c.Outcome)).ShouldBe([("gw-a", "skipped"), ("gw-b", "chosen")]);
        gateways[0].Reason.ShouldEndWith("; limit: gateway:gw-a (callee) channels limit 0, 0 channels in use, this call needs 1");
        CallPolicy.MarkSkipped(route.Candidates, targets, [], 0).ShouldBeSameAs(route.Candidates);
    }

    [Fact]
    public void An_inbound_call_to_a_pbx_at_its_limit_goes_to_its_voicemail_and_the_pbx_is_not_counted()
    {
        // acme-hq has a voicemail; globex-main calls one of its DIDs while acme-hq takes no calls.
        var world = new World(d => d.WithPbx("acme-hq", p => p with { Limits = new LimitsSpec { MaxCalls = 0 } }));

        var admits = world.Call("c1", "+31205550100", Pcmu, from: IPAddress.Parse("127.0.0.12")).ShouldBeOfType<GuardAdmits>();

        admits.FirstTarget.ShouldBe(1);
        admits.Skipped.ShouldHaveSingleItem().Reason.ShouldBe("limit: pbx:acme-hq (callee) concurrent calls limit 0, 0 calls in use, this call needs 1");
        admits.Events[0].Event.ShouldBe(new FailoverTargetSkipped("c1", 0, "pbx:acme-hq", "calls", 0, 0, T0, AtAdmission: true));
        admits.Events[1].Event.ShouldBeOfType<BandwidthReserved>().Target.ShouldBe(new LinkRef(null, null, null));
        world.Usage(ScopeId.Pbx("acme-hq")).ActiveCalls.ShouldBe(0);
        world.Usage(ScopeId.Pbx("globex-main")).ActiveCalls.ShouldBe(1);
        world.Route.ShouldBeOfType<RoutedToPbx>().BusyDiversion.ShouldBe("<sip:+31205550100@cloud>;reason=user-busy");
        // (Without a voicemail, the callee's PBX at its limit still answers 486: The_callee_over_its_limit_gets_486...)
    }

    [Fact]
    public void Refusals_carry_the_Q850_cause_and_the_reason_header_quotes_the_text()
    {
        var world = new World(d => d.WithPbx("acme-hq", p => p with { Limits = new LimitsSpec { MaxCalls = 0 } }));
        var caller = world.Call("c1", "+31205550200", Pcmu).ShouldBeOfType<GuardRefuses>();
        caller.Q850Cause.ShouldBe(34);
        CallPolicy.Q850Reason(caller).ShouldBe(
            "Q.850;cause=34;text=\"Limit reached: pbx:acme-hq (caller) concurrent calls limit 0, 0 calls in use, this call needs 1\"");

        var busy = new World();
        busy.Call("b1", "+31205550200", Pcmu);
        busy.Call("b2", "+31205550201", Pcmu);
        busy.Call("b3", "+31205550202", Pcmu).ShouldBeOfType<GuardRefuses>().Q850Cause.ShouldBe(17);

        CallPolicy.Q850Reason(new GuardRefuses(503, "a \"quoted\" \\ text\r\n") { Q850Cause = 34 }).ShouldBe("Q.850;cause=34;text=\"a \\\"quoted\\\" \\\\ text\"");
        CallPolicy.Q850Reason(new GuardRefuses(403, "no cause")).ShouldBeNull();
    }

    [Fact]
    public void A_provisioning_change_swaps_the_limits_and_keeps_the_open_calls()
    {
        var world = new World();
        world.Call("c1", "+31205550200", Pcmu).ShouldBeOfType<GuardAdmits>();
        world.Call("c2", "+31205550201", Pcmu).ShouldBeOfType<GuardAdmits>();

        world.Snapshot = World.SnapshotOf(d => d.WithPbx("globex-main", p => p with { Limits = new LimitsSpec { MaxCalls = 3, MaxKbps = 1000 } }));

        world.Call("c3", "+31205550202", Pcmu).ShouldBeOfType<GuardAdmits>();
        world.Call("c4", "+31205550203", Pcmu).ShouldBeOfType<GuardRefuses>().Reason.ShouldContain("limit 3, 3 calls in use");
    }
}

internal static class DocumentChanges
{
    public static ProvisioningDocument WithPbx(this ProvisioningDocument doc, string id, Func<PbxSpec, PbxSpec> change) =>
        doc with { Tenants = doc.Tenants.Select(t => t with { Pbxs = t.Pbxs.Select(p => p.Id == id ? change(p) : p).ToList() }).ToList() };
}
