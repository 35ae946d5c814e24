using CallControl.Provisioning;
using CallControl.Routing;
using NodaTime;
using Shouldly;
using Xunit;
using static CallControl.Tests.Routing.RoutingWorld;

namespace CallControl.Tests.Routing;

public class LcrRoutingTests
{
    [Fact]
    public void Numbers_outside_the_cloud_use_the_default_carrier_in_failover_order()
    {
        var result = Snapshot().Call(AcmeHq, "0301234567");

        var routed = result.ShouldBeOfType<RoutedToGateways>();
        routed.Destination.ShouldBe("+31301234567");
        routed.Targets.Select(t => t.GatewayId).ShouldBe(["gw-a", "gw-b"]);
        routed.Targets[0].RequestUri.ShouldBe("sip:+31301234567@127.0.0.21:5060");
        routed.Targets[0].Address.ToString().ShouldBe("127.0.0.21");
        routed.Targets[0].RingTimeout.ShouldBe(Duration.FromSeconds(30));
        routed.HideTopology.ShouldBeTrue();
        routed.IsEmergency.ShouldBeFalse();
        routed.Candidates.ShouldContain(c => c.Kind == "lcr" && c.Id == "+" && c.Outcome == "matched");
    }

    [Fact]
    public void The_longest_prefix_wins_uk_numbers_go_to_gw_b_first()
    {
        var result = Snapshot().Call(AcmeHq, "00442071234567");

        result.GatewayIds().ShouldBe(["gw-b", "gw-a"]);
        result.Candidates.ShouldContain(c => c.Kind == "lcr" && c.Id == "+44" && c.Outcome == "matched");
        result.Candidates.ShouldNotContain(c => c.Kind == "lcr" && c.Id == "+");
    }

    [Fact]
    public void Longest_prefix_among_many_rules()
    {
        var doc = Demo() with
        {
            Lcr =
            [
                .. Demo().Lcr,
                new LcrRuleSpec { Prefix = "+4420", Carriers = [new LcrCarrierSpec { Carrier = "default" }] },
                new LcrRuleSpec { Prefix = "+44207", Carriers = [new LcrCarrierSpec { Carrier = "uk" }] },
            ],
        };
        var snapshot = Snapshot(doc);

        snapshot.Call(AcmeHq, "+442071234567").Candidates.Single(c => c.Kind == "lcr").Id.ShouldBe("+44207");
        snapshot.Call(AcmeHq, "+442081234567").Candidates.Single(c => c.Kind == "lcr").Id.ShouldBe("+4420");
        snapshot.Call(AcmeHq, "+441611234567").Candidates.Single(c => c.Kind == "lcr").Id.ShouldBe("+44");
        snapshot.Call(AcmeHq, "+33123456789").Candidates.Single(c => c.Kind == "lcr").Id.ShouldBe("+");
    }

    [Fact]
    public void Gateway_number_manipulation_and_credentials_are_in_the_target()
    {
        var doc = Demo() with
        {
            Gateways = Demo().Gateways.Select(g => g.Id == "gw-a"
                ? g with { StripDigits = 2, Prefix = "0", KeepPlus = false, Transport = "tcp", RingTimeoutSeconds = 45,
                    Auth = new GatewayAuthSpec { Username = "acct", Password = "s3cret", Realm = "carrier.example" } }
                : g).ToList(),
        };

        var target = Snapshot(doc).Call(AcmeHq, "0301234567").ShouldBeOfType<RoutedToGateways>().Targets[0];

        target.User.ShouldBe("0301234567");
        target.RequestUri.ShouldBe("sip:0301234567@127.0.0.21:5060;transport=tcp");
        target.Credentials.ShouldBe(new GatewayCredentials("acct", "s3cret", "carrier.example"));
        target.RingTimeout.ShouldBe(Duration.FromSeconds(45));
    }

    [Fact]
    public void Down_gateways_are_skipped_with_their_reason()
    {
        var health = NetworkHealth.AllUp.Apply(new GatewayMarkedDown("gw-a", "3 consecutive failed probe(s)", new ProbeResult(false, null, "timeout"), T0 - Duration.FromMinutes(5)));

        var result = Snapshot().Call(AcmeHq, "0301234567", health: health);

        result.GatewayIds().ShouldBe(["gw-b"]);
        var skipped = result.Candidates.Single(c => c.Kind == "gateway" && c.Id == "gw-a");
        skipped.Outcome.ShouldBe("skipped");
        skipped.Reason.ShouldContain("marked down");
        skipped.Reason.ShouldContain("timeout");
    }

    [Fact]
    public void All_gateways_down_is_503_with_every_candidate_skipped()
    {
        var health = NetworkHealth.AllUp.WithGatewayDown("gw-a", "probe", T0).WithGatewayDown("gw-b", "probe", T0);

        var result = Snapshot().Call(AcmeHq, "0301234567", health: health);

        result.ShouldBeOfType<CallRefused>().StatusCode.ShouldBe(503);
        result.Candidates.Where(c => c.Kind == "gateway").ShouldAllBe(c => c.Outcome == "skipped");
    }

    [Fact]
    public void No_rule_for_the_number_is_404()
    {
        var doc = Demo() with { Lcr = [Demo().Lcr.Single(r => r.Prefix == "+44")] };

        Snapshot(doc).Call(AcmeHq, "0301234567").ShouldBeOfType<CallRefused>().StatusCode.ShouldBe(404);
    }

    [Fact]
    public void Carrier_priorities_order_the_carriers_of_a_rule()
    {
        var doc = Demo() with
        {
            Carriers = [.. Demo().Carriers, new CarrierSpec { Id = "a-only", Gateways = [new CarrierGatewaySpec { Gateway = "gw-a" }] },
                new CarrierSpec { Id = "b-only", Gateways = [new CarrierGatewaySpec { Gateway = "gw-b" }] }],
            Lcr = [new LcrRuleSpec { Prefix = "+", Carriers = [new LcrCarrierSpec { Carrier = "a-only", Priority = 2 }, new LcrCarrierSpec { Carrier = "b-only", Priority = 1 }] }],
        };

        Snapshot(doc).Call(AcmeHq, "0301234567").GatewayIds().ShouldBe(["gw-b", "gw-a"]);
    }

    [Fact]
    public void A_gateway_in_two_carriers_is_tried_once()
    {
        var doc = Demo() with
        {
            Lcr = [new LcrRuleSpec { Prefix = "+", Carriers = [new LcrCarrierSpec { Carrier = "default", Priority = 1 }, new LcrCarrierSpec { Carrier = "uk", Priority = 2 }] }],
        };

        var result = Snapshot(doc).Call(AcmeHq, "0301234567");

        result.GatewayIds().ShouldBe(["gw-a", "gw-b"]);
        result.Candidates.Count(c => c.Kind == "gateway" && c.Reason.Contains("already considered")).ShouldBe(2);
    }

    [Fact]
    public void Weighted_carriers_spread_calls_by_weight_and_a_seed_decides_the_same_way_twice()
    {
        var doc = Demo() with
        {
            Carriers = [new CarrierSpec { Id = "split", Selection = "weighted",
                Gateways = [new CarrierGatewaySpec { Gateway = "gw-a", Weight = 80 }, new CarrierGatewaySpec { Gateway = "gw-b", Weight = 20 }] }],
            Lcr = [new LcrRuleSpec { Prefix = "+", Carriers = [new LcrCarrierSpec { Carrier = "split" }] }],
        };
        var snapshot = Snapshot(doc);

        var firsts = Enumerable.Range(0, 2000)
            .Select(i => snapshot.Call(AcmeHq, "0301234567", seed: (ulong)i * 7919).GatewayIds().First())
            .ToList();

        var share = firsts.Count(g => g == "gw-a") / 2000.0;
        share.ShouldBeInRange(0.75, 0.85);
        snapshot.Call(AcmeHq, "0301234567", seed: 42).GatewayIds().ShouldBe(snapshot.Call(AcmeHq, "0301234567", seed: 42).GatewayIds());
        snapshot.Call(AcmeHq, "0301234567", seed: 42).GatewayIds().Count().ShouldBe(2); // both remain for failover
    }
}
