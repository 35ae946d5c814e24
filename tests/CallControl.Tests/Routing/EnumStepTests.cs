using CallControl.Routing;
using Shouldly;
using Xunit;
using static CallControl.Tests.Routing.RoutingWorld;

namespace CallControl.Tests.Routing;

public class EnumStepTests
{
    private static readonly RoutingSnapshot WithEnum = Snapshot(Demo() with { Enum = new CallControl.Provisioning.EnumSpec { Enabled = true } });

    [Fact]
    public void Step_one_asks_for_the_NAPTR_query_of_a_number_outside_the_cloud()
    {
        var result = WithEnum.Call(AcmeHq, "00442071234567");

        var wanted = result.ShouldBeOfType<EnumLookupRequired>();
        wanted.Destination.ShouldBe("+442071234567");
        wanted.QueryName.ShouldBe("7.6.5.4.3.2.1.7.0.2.4.4.e164.arpa");
    }

    [Fact]
    public void Step_two_with_a_SIP_URI_routes_there_hiding_topology()
    {
        var result = WithEnum.Call(AcmeHq, "00442071234567", enumAnswer: EnumAnswer.Found("+442071234567", "sip:+442071234567@voip.example.co.uk"));

        var routed = result.ShouldBeOfType<RoutedToEnum>();
        routed.TargetUri.ShouldBe("sip:+442071234567@voip.example.co.uk");
        routed.HideTopology.ShouldBeTrue();
        routed.CallerId.ShouldBe("+31205550100");
    }

    [Fact]
    public void Step_two_without_a_record_falls_through_to_LCR_and_says_why()
    {
        var result = WithEnum.Call(AcmeHq, "00442071234567", enumAnswer: EnumAnswer.NotFound("+442071234567", "NXDOMAIN"));

        result.GatewayIds().ShouldBe(["gw-b", "gw-a"]);
        result.Candidates.ShouldContain(c => c.Kind == "enum" && c.Outcome == "skipped" && c.Reason.Contains("NXDOMAIN"));
    }

    [Fact]
    public void An_answer_for_another_number_is_ignored_and_DIDs_never_need_ENUM()
    {
        WithEnum.Call(AcmeHq, "00442071234567", enumAnswer: EnumAnswer.NotFound("+4400")).ShouldBeOfType<EnumLookupRequired>();
        WithEnum.Call(AcmeHq, "0205550250").ShouldBeOfType<RoutedToPbx>();
        Snapshot().Call(AcmeHq, "00442071234567").ShouldBeOfType<RoutedToGateways>(); // ENUM off in the demo
    }
}
