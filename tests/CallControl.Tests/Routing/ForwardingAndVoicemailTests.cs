using CallControl.Provisioning;
using CallControl.Routing;
using Shouldly;
using Xunit;
using static CallControl.Tests.Routing.RoutingWorld;

namespace CallControl.Tests.Routing;

public class ForwardingAndVoicemailTests
{
    [Fact]
    public void Inter_pbx_call_rings_the_DID_owner()
    {
        var result = Snapshot().Call(AcmeHq, "0205550250");

        var routed = result.ShouldBeOfType<RoutedToPbx>();
        routed.Pbx.PbxId.ShouldBe("globex-main");
        routed.RangeId.ShouldBe("+31205550200..+31205550299");
        routed.HideTopology.ShouldBeFalse();
        routed.Diversion.ShouldBeNull();
    }

    [Fact]
    public void An_inbound_call_from_a_gateway_rings_the_PBX_and_digits_without_plus_are_accepted()
    {
        var result = Snapshot().Call(GwA, "31205550150", caller: "+442071234567");

        result.ShouldBeOfType<RoutedToPbx>().Pbx.PbxId.ShouldBe("acme-hq");
        result.Source.ShouldBeOfType<GatewaySource>().Gateway.GatewayId.ShouldBe("gw-a");
        result.CallerId.ShouldBe("+442071234567");
    }

    [Fact]
    public void Gateways_cannot_transit_to_numbers_outside_the_cloud()
    {
        Snapshot().Call(GwA, "+442071234567").ShouldBeOfType<CallRefused>().StatusCode.ShouldBe(404);
    }

    [Fact]
    public void A_forwarded_DID_routes_the_target_number_with_a_Diversion_header()
    {
        var snapshot = Snapshot(Demo().WithTenant("acme", t => t with { Forwards = [new ForwardSpec { Did = "+31205550150", To = "+442071234567" }] }));

        var result = snapshot.Call(GwA, "+31205550150", caller: "+33123456789");

        var routed = result.ShouldBeOfType<RoutedToGateways>();
        routed.Destination.ShouldBe("+442071234567");
        routed.GatewayIds().ShouldBe(["gw-b", "gw-a"]);
        routed.Diversion.ShouldBe("<sip:+31205550150@cloud>;reason=unconditional");
        routed.Candidates.ShouldContain(c => c.Kind == "forward" && c.Outcome == "followed" && c.Id == "+31205550150");
    }

    [Fact]
    public void A_forward_to_another_DID_rings_that_PBX()
    {
        var snapshot = Snapshot(Demo().WithTenant("acme", t => t with { Forwards = [new ForwardSpec { Did = "+31205550150", To = "+31205550250" }] }));

        snapshot.Call(GlobexMain, "0031205550150").ShouldBeOfType<RoutedToPbx>().Pbx.PbxId.ShouldBe("globex-main");
    }

    [Fact]
    public void A_forwarding_loop_is_refused_with_482_and_the_chain()
    {
        var snapshot = Snapshot(Demo()
            .WithTenant("acme", t => t with { Forwards = [new ForwardSpec { Did = "+31205550150", To = "+31205550250" }] })
            .WithTenant("globex", t => t with { Forwards = [new ForwardSpec { Did = "+31205550250", To = "+31205550150" }] }));

        var refused = snapshot.Call(GwA, "+31205550150").ShouldBeOfType<CallRefused>();

        refused.StatusCode.ShouldBe(482);
        refused.Reason.ShouldContain("+31205550150 -> +31205550250 -> +31205550150");
    }

    [Fact]
    public void A_forward_to_a_blocked_number_is_refused()
    {
        var snapshot = Snapshot(Demo().WithTenant("acme", t => t with { Forwards = [new ForwardSpec { Did = "+31205550150", To = "+31900123456" }] }));

        snapshot.Call(GwA, "+31205550150").ShouldBeOfType<CallRefused>().Reason.ShouldContain("global filter +31900");
    }

    [Fact]
    public void An_unreachable_PBX_with_voicemail_fallback_sends_the_call_to_voicemail_with_Diversion()
    {
        var health = NetworkHealth.AllUp.Apply(new PbxMarkedUnreachable("acme-hq", "3 consecutive failed probe(s)", new ProbeResult(false, null, "timeout"), T0));

        var result = Snapshot().Call(GwA, "+31205550101", health: health);

        var vm = result.ShouldBeOfType<RoutedToVoicemail>();
        vm.Voicemail.Uri.ShouldBe("sip:voicemail@127.0.0.31:5060");
        vm.Voicemail.Address.ToString().ShouldBe("127.0.0.31");
        vm.Voicemail.Port.ShouldBe(5060);
        vm.Diversion.ShouldBe("<sip:+31205550101@cloud>;reason=unavailable");
        vm.Candidates.ShouldContain(c => c.Kind == "pbx" && c.Outcome == "skipped" && c.Reason.Contains("unreachable"));
    }

    [Fact]
    public void An_unreachable_PBX_without_fallback_is_still_tried()
    {
        var health = NetworkHealth.AllUp.WithPbxUnreachable("globex-main", "probe", T0);

        var routed = Snapshot().Call(AcmeHq, "0205550250", health: health).ShouldBeOfType<RoutedToPbx>();

        routed.Reason.ShouldContain("no voicemail fallback");
    }

    [Fact]
    public void Reassigning_a_DID_takes_effect_with_the_next_snapshot()
    {
        var before = Demo();
        var after = before.WithTenant("acme", t => t with
        {
            Pbxs = [.. t.Pbxs, new PbxSpec { Id = "acme-branch", Addresses = ["127.0.0.13"] }],
            Dids = [new DidRangeSpec { First = "+31205550100", Last = "+31205550149", Pbx = "acme-hq" },
                    new DidRangeSpec { First = "+31205550150", Pbx = "acme-branch" },
                    new DidRangeSpec { First = "+31205550151", Last = "+31205550199", Pbx = "acme-hq" }],
        });
        var state = State(before);
        var old = new RoutingSnapshot(state);
        var next = new RoutingSnapshot(state.ApplyAll(Events(after, state, T0 + NodaTime.Duration.FromMinutes(1))));

        old.Call(GwA, "+31205550150").ShouldBeOfType<RoutedToPbx>().Pbx.PbxId.ShouldBe("acme-hq");
        next.Call(GwA, "+31205550150").ShouldBeOfType<RoutedToPbx>().Pbx.PbxId.ShouldBe("acme-branch");
        next.Call(GwA, "+31205550151").ShouldBeOfType<RoutedToPbx>().Pbx.PbxId.ShouldBe("acme-hq");
    }

    [Fact]
    public void An_unassigned_number_in_the_clouds_own_block_is_404_not_sent_to_a_carrier()
    {
        var refused = Snapshot().Call(AcmeHq, "+31205559999").ShouldBeOfType<CallRefused>();

        refused.StatusCode.ShouldBe(404);
        refused.Reason.ShouldContain("number block +3120555");
    }

    [Fact]
    public void Unknown_source_is_refused_with_403()
    {
        Snapshot().Call(System.Net.IPAddress.Parse("10.9.9.9"), "+31205550101").ShouldBeOfType<CallRefused>().StatusCode.ShouldBe(403);
    }
}
