using CallControl.Provisioning;
using CallControl.Routing;
using Shouldly;
using Xunit;
using static CallControl.Tests.Routing.RoutingWorld;

namespace CallControl.Tests.Routing;

public class FilterAndEmergencyTests
{
    [Fact]
    public void A_globally_blocked_premium_number_is_refused_with_403_naming_the_filter()
    {
        var result = Snapshot().Call(AcmeHq, "0900123456");

        var refused = result.ShouldBeOfType<CallRefused>();
        refused.StatusCode.ShouldBe(403);
        refused.Reason.ShouldContain("global filter +31900");
        refused.Normalization!.Number.ShouldBe("+31900123456");
    }

    [Fact]
    public void An_allow_listed_tenant_may_call_the_blocked_prefix_while_others_may_not()
    {
        var doc = Demo().WithTenant("globex", t => t with { AllowedPrefixes = ["+31900"] });
        var snapshot = Snapshot(doc);

        snapshot.Call(AcmeHq, "0900123456").ShouldBeOfType<CallRefused>().StatusCode.ShouldBe(403);
        snapshot.Call(GlobexMain, "0031900123456").ShouldBeOfType<RoutedToGateways>().Destination.ShouldBe("+31900123456");
    }

    [Fact]
    public void A_tenant_filter_blocks_for_that_tenant_only()
    {
        var snapshot = Snapshot(Demo().WithTenant("acme", t => t with { BlockedPrefixes = ["+44"] }));

        snapshot.Call(AcmeHq, "00442071234567").ShouldBeOfType<CallRefused>().Reason.ShouldContain("filter +44 of tenant acme");
        snapshot.Call(GlobexMain, "00442071234567").ShouldBeOfType<RoutedToGateways>();
    }

    [Fact]
    public void The_emergency_number_routes_to_the_emergency_gateway_while_everything_else_is_blocked()
    {
        // Given acme blocks every number and both gateways are marked down
        var snapshot = Snapshot(Demo().WithTenant("acme", t => t with { BlockedPrefixes = ["+1", "+2", "+3", "+4", "+5", "+6", "+7", "+8", "+9"] }));
        var health = NetworkHealth.AllUp.WithGatewayDown("gw-a", "probe", T0).WithGatewayDown("gw-b", "probe", T0);
        snapshot.Call(AcmeHq, "0301234567", health: health).ShouldBeOfType<CallRefused>().StatusCode.ShouldBe(403);

        // When acme dials 112
        var result = snapshot.Call(AcmeHq, "112", caller: "201", health: health);

        // Then it goes to gw-b anyway, flagged as emergency, presenting the main DID
        var routed = result.ShouldBeOfType<RoutedToGateways>();
        routed.IsEmergency.ShouldBeTrue();
        routed.Targets.Single().GatewayId.ShouldBe("gw-b");
        routed.Targets.Single().RequestUri.ShouldBe("sip:112@127.0.0.22:5060");
        routed.CallerId.ShouldBe("+31205550100");
        routed.Candidates.ShouldContain(c => c.Kind == "emergency" && c.Reason.Contains("tried anyway"));
    }

    [Fact]
    public void Only_the_tenants_own_emergency_numbers_count()
    {
        var snapshot = Snapshot(Demo().WithTenant("globex", t => t with { Emergency = [] }));

        snapshot.Call(GlobexMain, "112").ShouldBeOfType<CallRefused>().StatusCode.ShouldBe(404);
        snapshot.Call(AcmeHq, "112").IsEmergency.ShouldBeTrue();
    }

    [Theory]
    [InlineData("201", "+31205550100")]           // an extension presents the main DID
    [InlineData("+31205550142", "+31205550142")]  // a DID of the tenant is kept
    [InlineData("0205550142", "+31205550142")]    // ... also in national format
    [InlineData("+31205550250", "+31205550100")]  // another tenant's DID is not acme's to present
    public void Main_did_caller_id_policy(string caller, string presented)
    {
        Snapshot().Call(AcmeHq, "0301234567", caller: caller).CallerId.ShouldBe(presented);
    }

    [Fact]
    public void Passthrough_caller_id_presents_the_caller_as_sent()
    {
        Snapshot().Call(GlobexMain, "0301234567", caller: "250").CallerId.ShouldBe("250");
    }
}
