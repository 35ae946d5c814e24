using System.Text.Json;
using CallControl.Provisioning;
using CallControl.Routing;
using Shouldly;
using Xunit;
using static CallControl.Tests.Routing.RoutingWorld;

namespace CallControl.Tests.Routing;

/// <summary>Calling-card calls through the router: <c>&lt;access&gt;*&lt;PIN&gt;*&lt;destination&gt;</c>, the demo's access
/// number is +318002273.</summary>
public class CardRoutingTests
{
    private const string Pin = "4242424242";

    [Theory]
    [InlineData("+318002273*1234*+442071234567", true, "+318002273", "1234", "+442071234567")]
    [InlineData("08002273*1234*00442071234567", true, "08002273", "1234", "00442071234567")]
    [InlineData("08002273*1234", true, "08002273", "1234", null)]
    [InlineData("08002273*", true, "08002273", "", null)]
    [InlineData("08002273**0201234567", true, "08002273", "", "0201234567")]
    [InlineData("08002273*12*34*5", true, "08002273", "12", "34*5")]
    [InlineData("*72*0201234567", false, "*72*0201234567", "", null)]
    [InlineData("0201234567", false, "0201234567", "", null)]
    [InlineData("", false, "", "", null)]
    public void The_dialled_string_splits_at_the_first_two_stars(string dialled, bool card, string access, string pin, string? destination)
    {
        CardDialString.TrySplit(dialled, out var a, out var p, out var d).ShouldBe(card);
        a.ShouldBe(access);
        p.ShouldBe(pin);
        d.ShouldBe(destination);
    }

    [Theory]
    [InlineData("+318002273*1234*+442071234567", "+318002273*[pin]*+442071234567")]
    [InlineData("08002273*1234", "08002273*[pin]")]
    [InlineData("08002273*", "08002273*")]
    [InlineData("*72*1234", "*72*1234")]
    [InlineData("0201234567", "0201234567")]
    public void Masking_hides_the_pin_part_only(string dialled, string masked)
    {
        CardDialString.Mask(dialled).ShouldBe(masked);
        CardDialString.MaskUri($"sip:{dialled}@127.0.0.1:5060", dialled).ShouldBe($"sip:{masked}@127.0.0.1:5060");
    }

    [Fact]
    public void A_card_call_from_a_pbx_is_recognised_before_the_dialplan_and_its_destination_routed_like_any_call()
    {
        // acme's dialplan turns 0... into +31...: the access part and the destination are each normalized with it.
        var result = Snapshot().Call(AcmeHq, $"08002273*{Pin}*00442071234567");

        var routed = result.ShouldBeOfType<RoutedToGateways>();
        routed.Destination.ShouldBe("+442071234567");
        routed.GatewayIds().ShouldBe(["gw-b", "gw-a"]); // the uk carrier, as for a direct call
        routed.Card.ShouldBe(new CardCall("+318002273", Pin));
        routed.HideTopology.ShouldBeTrue();
        routed.Dialled.ShouldBe("08002273*[pin]*00442071234567");
        routed.Candidates[0].ShouldBe(new RouteCandidate("card", "+318002273", "matched", routed.Candidates[0].Reason));
        NoPinIn(result);
    }

    [Fact]
    public void A_card_call_to_a_did_of_the_cloud_goes_to_its_pbx_with_the_to_header_rewritten()
    {
        var result = Snapshot().Call(GlobexMain, $"+318002273*{Pin}*+31205550100");

        var routed = result.ShouldBeOfType<RoutedToPbx>();
        routed.Pbx.PbxId.ShouldBe("acme-hq");
        routed.Card!.AccessNumber.ShouldBe("+318002273");
        routed.HideTopology.ShouldBeTrue();
        NoPinIn(result);
    }

    [Fact]
    public void A_card_call_from_a_gateway_may_leave_the_cloud_but_the_global_filters_apply()
    {
        var snapshot = Snapshot();
        // Without a card a gateway only reaches DIDs (no transit) ...
        snapshot.Call(GwA, "+442071234567").ShouldBeOfType<CallRefused>().StatusCode.ShouldBe(404);
        // ... through the access number it may call out, like a PBX.
        snapshot.Call(GwA, $"318002273*{Pin}*442071234567").ShouldBeOfType<RoutedToGateways>().Destination.ShouldBe("+442071234567");
        var premium = snapshot.Call(GwA, $"+318002273*{Pin}*+31900123456").ShouldBeOfType<CallRefused>();
        premium.StatusCode.ShouldBe(403);
        premium.Reason.ShouldContain("global filter +31900");
        NoPinIn(premium);
    }

    [Fact]
    public void The_tenant_filters_of_the_calling_pbx_apply_to_card_calls()
    {
        var snapshot = Snapshot(Demo().WithTenant("acme", t => t with { BlockedPrefixes = ["+44"] }));
        var refused = snapshot.Call(AcmeHq, $"08002273*{Pin}*00442071234567").ShouldBeOfType<CallRefused>();
        refused.StatusCode.ShouldBe(403);
        refused.Reason.ShouldContain("filter +44 of tenant acme");
    }

    [Theory]
    [InlineData("08002273", 484, "calling-card access number")]
    [InlineData("+318002273", 484, "calling-card access number")]
    [InlineData("08002273*" + Pin, 484, "Incomplete card call")]
    [InlineData("08002273*" + Pin + "*", 484, "Incomplete card call")]
    [InlineData("08002273**0201234567", 484, "Incomplete card call")]
    [InlineData("08002273*12a4*0201234567", 484, "must be digits")]
    [InlineData("08001234*" + Pin + "*0201234567", 404, "'08001234' is not a calling-card access number")]
    [InlineData("08002273*" + Pin + "*12", 404, "No route to '12'")]
    public void Malformed_card_calls_are_refused_with_the_reason_and_without_the_pin(string dialled, int status, string reason)
    {
        var result = Snapshot().Call(AcmeHq, dialled);

        var refused = result.ShouldBeOfType<CallRefused>();
        refused.StatusCode.ShouldBe(status);
        refused.Reason.ShouldContain(reason);
        NoPinIn(result);
    }

    [Fact]
    public void Without_access_numbers_a_star_in_the_dialled_string_is_routed_as_before()
    {
        var snapshot = Snapshot(Demo() with { CardAccessNumbers = [] });
        var result = snapshot.Call(AcmeHq, $"08002273*{Pin}*00442071234567").ShouldBeOfType<CallRefused>();
        result.StatusCode.ShouldBe(404);
        result.Card.ShouldBeNull();
        // The number alone is no longer an access number: it is in the demo's number block, unassigned (404).
        snapshot.Call(AcmeHq, "08002273").ShouldBeOfType<CallRefused>().Reason.ShouldContain("number block +318002273");
    }

    [Fact]
    public void An_access_number_is_provisioned_as_events_and_cannot_be_a_did()
    {
        var events = Events(Demo());
        events.OfType<CardAccessNumberAdded>().ShouldHaveSingleItem().Number.ShouldBe("+318002273");
        var state = State(Demo());
        Events(Demo(), state).ShouldBeEmpty();
        Events(Demo() with { CardAccessNumbers = [] }, state).ShouldHaveSingleItem().ShouldBeOfType<CardAccessNumberRemoved>();

        var errors = ProvisioningValidator.Validate(Demo() with { CardAccessNumbers = ["+31205550150", "0800", "+318002273", "+318002273"] });
        errors.ShouldContain(e => e.Field == "cardAccessNumbers[0]" && e.Message.Contains("is a DID"));
        errors.ShouldContain(e => e.Field == "cardAccessNumbers[1]" && e.Message.Contains("not an E.164 number"));
        errors.ShouldContain(e => e.Field == "cardAccessNumbers[3]" && e.Message.Contains("appears twice"));
        errors.ShouldNotContain(e => e.Field == "cardAccessNumbers[2]");
    }

    /// <summary>Whatever a routing result records (reasons, candidates, normalization, dialled) never holds the PIN.</summary>
    private static void NoPinIn(RoutingResult result)
    {
        var recorded = JsonSerializer.Serialize(new
        {
            result.Dialled, result.Candidates, result.Normalization, Reason = result switch
            {
                CallRefused r => r.Reason, RoutedToGateways g => g.Reason, RoutedToPbx p => p.Reason, _ => "",
            },
            Card = result.Card?.ToString(),
        });
        recorded.ShouldNotContain(Pin);
        recorded.ShouldNotContain("12a4");
    }
}
