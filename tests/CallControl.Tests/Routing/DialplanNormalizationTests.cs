using CallControl.Provisioning;
using CallControl.Routing;
using Shouldly;
using Xunit;
using static CallControl.Tests.Routing.RoutingWorld;

namespace CallControl.Tests.Routing;

public class DialplanNormalizationTests
{
    private readonly RoutingSnapshot _snapshot = Snapshot();

    [Theory]
    [InlineData("0205550250", "+31205550250", "national")]       // acme: 0 + digits -> +31
    [InlineData("0031205550250", "+31205550250", "international")] // 00 + digits -> +
    [InlineData("+31205550250", "+31205550250", "e164")]
    public void Acme_dials_Dutch_national_and_international_formats(string dialled, string expected, string rule)
    {
        var result = _snapshot.Call(AcmeHq, dialled);

        result.ShouldBeOfType<RoutedToPbx>().Destination.ShouldBe(expected);
        result.Normalization!.Number.ShouldBe(expected);
        result.Normalization.RuleId.ShouldBe(rule);
        result.Normalization.DialplanId.ShouldBe("acme-nl");
        result.Candidates[0].ShouldBe(new RouteCandidate("normalize", rule, "matched", result.Normalization.Reason));
    }

    [Fact]
    public void The_same_digits_normalize_differently_for_two_tenants()
    {
        // Given acme (NL) and globex (DE national format, 3-digit extensions)
        // When both dial 0301234567
        var acme = _snapshot.Call(AcmeHq, "0301234567");
        var globex = _snapshot.Call(GlobexMain, "0301234567");

        // Then acme means Amsterdam-style +31, globex means Berlin +49
        acme.Normalization!.Number.ShouldBe("+31301234567");
        globex.Normalization!.Number.ShouldBe("+49301234567");
        globex.Normalization.DialplanId.ShouldBe("globex-de");
    }

    [Fact]
    public void A_regex_rule_turns_a_short_extension_into_a_DID()
    {
        var result = _snapshot.Call(GlobexMain, "250");

        result.ShouldBeOfType<RoutedToPbx>().Pbx.PbxId.ShouldBe("globex-main");
        result.Normalization!.Number.ShouldBe("+31205550250");
        result.Normalization.RuleId.ShouldBe("extension");
    }

    [Fact]
    public void A_number_no_rule_can_normalize_is_refused_with_404_naming_the_dialplan()
    {
        var result = _snapshot.Call(AcmeHq, "9999");

        var refused = result.ShouldBeOfType<CallRefused>();
        refused.StatusCode.ShouldBe(404);
        refused.Reason.ShouldContain("acme-nl");
    }

    [Fact]
    public void Rules_apply_by_priority_then_document_order()
    {
        var plan = new Dialplan(new DialplanState("p", "t",
        [
            new DialplanRule("late", "0", null, "+31", 50),
            new DialplanRule("early", "0", null, "+49", 10),
        ]));

        plan.Normalize("0301234567").RuleId.ShouldBe("early");
    }

    [Fact]
    public void A_rule_whose_result_is_not_E164_is_passed_over()
    {
        var plan = new Dialplan(new DialplanState("p", "t",
        [
            new DialplanRule("bad", "0", null, "", 1),
            new DialplanRule("good", "0", null, "+31", 2),
        ]));

        var n = plan.Normalize("0201234567");

        n.Number.ShouldBe("+31201234567");
        n.RuleId.ShouldBe("good");
    }

    [Fact]
    public void A_per_PBX_dialplan_overrides_the_tenant_dialplan()
    {
        var doc = Demo()
            .WithTenant("acme", t => t with { Dialplans = [.. t.Dialplans, new DialplanSpec { Id = "acme-de", Rules = [new DialplanRuleSpec { Prefix = "0", Replace = "+49" }] }] })
            .WithPbx("acme-hq", p => p with { Dialplan = "acme-de" });

        Snapshot(doc).Call(AcmeHq, "0301234567").Normalization!.Number.ShouldBe("+49301234567");
    }
}
