using CallControl.Provisioning;
using Shouldly;
using Xunit;
using static CallControl.Tests.Routing.RoutingWorld;

namespace CallControl.Tests.Provisioning;

public class RoutingValidationTests
{
    private static IReadOnlyList<string> Fields(ProvisioningDocument doc) => ProvisioningValidator.Validate(doc).Select(e => e.Field).ToList();

    [Fact]
    public void The_demo_document_is_valid()
    {
        ProvisioningValidator.Validate(Demo()).ShouldBeEmpty();
    }

    [Fact]
    public void A_bad_regex_is_refused_at_provisioning_naming_the_rule()
    {
        var doc = Demo().WithTenant("acme", t => t with
        {
            Dialplans = [new DialplanSpec { Id = "acme-nl", Rules = [new DialplanRuleSpec { Regex = "^(0[0-9]+$", Replace = "+31$1" }] }],
        });

        var error = ProvisioningValidator.Validate(doc).ShouldHaveSingleItem();
        error.Field.ShouldBe("tenants[0].dialplans[0].rules[0].regex");
        error.Message.ShouldContain("not a valid regular expression");
    }

    [Fact]
    public void A_rule_needs_exactly_one_of_prefix_or_regex()
    {
        var doc = Demo().WithTenant("acme", t => t with
        {
            Dialplans = [new DialplanSpec { Id = "acme-nl", Rules = [new DialplanRuleSpec { Prefix = "0", Regex = "^0$", Replace = "+31" }] }],
        });

        Fields(doc).ShouldBe(["tenants[0].dialplans[0].rules[0]"]);
    }

    [Fact]
    public void Unknown_references_are_named()
    {
        var doc = Demo()
            .WithTenant("acme", t => t with
            {
                Dialplan = "nope",
                Emergency = [new EmergencySpec { Number = "112", Gateway = "gw-x" }],
                Forwards = [new ForwardSpec { Did = "+31205550250", To = "+31205550101" }], // globex's DID
            })
            .WithPbx("globex-main", p => p with { Dialplan = "acme-nl" }) with
            {
                Lcr = [new LcrRuleSpec { Prefix = "+44", Carriers = [new LcrCarrierSpec { Carrier = "missing" }] }],
                Carriers = [new CarrierSpec { Id = "default", Gateways = [new CarrierGatewaySpec { Gateway = "gw-z" }] }],
            };

        Fields(doc).ShouldBe(
        [
            "tenants[0].dialplan", "tenants[0].forwards[0].did", "tenants[0].emergency[0].gateway",
            "tenants[1].pbxs[0].dialplan",
            "carriers[0].gateways[0].gateway", "lcr[0].carriers[0].carrier",
        ], ignoreOrder: true);
    }

    [Fact]
    public void Bad_values_are_named_by_field()
    {
        var doc = Demo()
            .WithPbx("acme-hq", p => p with
            {
                CallerId = new CallerIdSpec { Mode = "main-did", Number = "0205550100" },
                Voicemail = "voicemail@example.com",
            }) with
            {
                BlockedPrefixes = ["31900"],
                Gateways = Demo().Gateways.Select(g => g.Id == "gw-a"
                    ? g with { StripDigits = 2, Auth = new GatewayAuthSpec { Username = "u" }, Probe = new ProbeSpec { FailureThreshold = 0 } }
                    : g).ToList(),
                Lcr = [new LcrRuleSpec { Prefix = "+44x", Carriers = [new LcrCarrierSpec { Carrier = "uk" }],
                    Window = new TimeWindowSpec { Days = ["monday"], From = "8am", To = "18:00", Zone = "Mars/Olympus" } }],
            };

        Fields(doc).ShouldBe(
        [
            "tenants[0].pbxs[0].callerId.number", "tenants[0].pbxs[0].voicemail",
            "gateways[0].auth.password", "gateways[0].keepPlus", "gateways[0].probe.failureThreshold",
            "blockedPrefixes[0]",
            "lcr[0].prefix", "lcr[0].window.days[0]", "lcr[0].window.from", "lcr[0].window.zone",
        ], ignoreOrder: true);
    }

    [Fact]
    public void Two_LCR_rules_on_one_prefix_need_ids()
    {
        var rule = new LcrRuleSpec { Prefix = "+44", Carriers = [new LcrCarrierSpec { Carrier = "uk" }] };
        var doc = Demo() with { Lcr = [rule, rule] };

        Fields(doc).ShouldBe(["lcr[1].prefix"]);
        ProvisioningValidator.Validate(doc with { Lcr = [rule, rule with { Id = "uk-night" }] }).ShouldBeEmpty();
    }

    [Fact]
    public void A_forwarding_to_itself_and_duplicate_emergency_numbers_are_refused()
    {
        var doc = Demo().WithTenant("acme", t => t with
        {
            Forwards = [new ForwardSpec { Did = "+31205550150", To = "+31205550150" }],
            Emergency = [new EmergencySpec { Number = "112", Gateway = "gw-b" }, new EmergencySpec { Number = "112", Gateway = "gw-a" }],
        });

        Fields(doc).ShouldBe(["tenants[0].forwards[0].to", "tenants[0].emergency[1].number"], ignoreOrder: true);
    }

    [Fact]
    public void Unknown_JSON_fields_are_not_silently_ignored()
    {
        Should.Throw<System.Text.Json.JsonException>(() => Parse("""{ "tenants": [], "lcrRules": [] }"""));
    }
}
