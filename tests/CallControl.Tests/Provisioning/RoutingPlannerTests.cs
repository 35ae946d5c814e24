using CallControl.Provisioning;
using CallControl.Routing;
using NodaTime;
using Shouldly;
using Xunit;
using static CallControl.Tests.Routing.RoutingWorld;

namespace CallControl.Tests.Provisioning;

public class RoutingPlannerTests
{
    [Fact]
    public void Applying_the_demo_twice_emits_nothing_the_second_time()
    {
        // Given the demo applied once
        var state = State(Demo());

        // When the same document is planned again (freshly parsed: new list instances)
        var changes = ProvisioningPlanner.Plan(state, Demo(), T0 + Duration.FromHours(1));

        // Then nothing changes
        changes.ShouldBeEmpty();
    }

    [Fact]
    public void The_demo_plan_creates_referenced_objects_before_their_users()
    {
        var events = Events(Demo());
        int Index<T>() => events.Select((e, i) => (e, i)).First(x => x.e is T).i;

        Index<GatewayRegistered>().ShouldBeLessThan(Index<CarrierDefined>());
        Index<CarrierDefined>().ShouldBeLessThan(Index<LcrRuleSet>());
        Index<DialplanDefined>().ShouldBeLessThan(Index<TenantRoutingSet>());
        Index<TenantRoutingSet>().ShouldBeLessThan(Index<PbxRegistered>());
        events.OfType<GatewayOptionsSet>().ShouldBeEmpty();
        events.OfType<GatewayRegistered>().ShouldAllBe(g => g.Options == null); // the demo's probe settings are the defaults
        events.OfType<PbxRoutingSet>().ShouldBeEmpty(); // a new PBX carries its settings in PbxRegistered: one event per PBX
        events.OfType<PbxRegistered>().Single(p => p.PbxId == "acme-hq").Routing!.VoicemailUri.ShouldBe("sip:voicemail@127.0.0.31:5060");
        events.OfType<PbxRegistered>().Single(p => p.PbxId == "globex-main").Routing.ShouldBeNull();
        events.OfType<RoutingSettingsSet>().Single().Settings.BlockedPrefixes.ShouldBe(["+31900"]);
    }

    [Fact]
    public void One_change_emits_exactly_the_matching_event()
    {
        var state = State(Demo());
        var later = T0 + Duration.FromHours(1);

        ProvisioningPlanner.Plan(state, Demo().WithPbx("acme-hq", p => p with { Voicemail = "sip:vm@127.0.0.32:5060" }), later)
            .ShouldHaveSingleItem().ShouldBe(new ProvisioningChange("pbx:acme-hq",
                new PbxRoutingSet("acme-hq", "acme", state.Pbxs["acme-hq"].Routing with { VoicemailUri = "sip:vm@127.0.0.32:5060" }, later)), new RoutingSetComparer());

        var moreUk = Demo() with { Carriers = Demo().Carriers.Select(c => c.Id == "uk" ? c with { Gateways = [c.Gateways[0]] } : c).ToList() };
        ProvisioningPlanner.Plan(state, moreUk, later).Select(c => c.StreamKey).ShouldBe(["carrier:uk"]);

        var noUk = Demo() with { Lcr = Demo().Lcr.Where(r => r.Prefix != "+44").ToList() };
        ProvisioningPlanner.Plan(state, noUk, later).ShouldHaveSingleItem().Event.ShouldBe(new LcrRuleRemoved("+44", later));

        var gwOptions = Demo() with { Gateways = Demo().Gateways.Select(g => g.Id == "gw-b" ? g with { KeepPlus = false } : g).ToList() };
        ProvisioningPlanner.Plan(state, gwOptions, later).ShouldHaveSingleItem().Event.ShouldBeOfType<GatewayOptionsSet>().Options.KeepPlus.ShouldBeFalse();

        var forward = Demo().WithTenant("globex", t => t with { Forwards = [new ForwardSpec { Did = "+31205550200", To = "+31205550100" }] });
        ProvisioningPlanner.Plan(state, forward, later).ShouldHaveSingleItem().Event.ShouldBe(new DidForwardSet("+31205550200", "globex", "+31205550100", later));
    }

    [Fact]
    public void Changing_a_gateway_address_keeps_its_options()
    {
        var doc = Demo() with { Gateways = Demo().Gateways.Select(g => g.Id == "gw-a" ? g with { KeepPlus = false, StripDigits = 0, Prefix = "00" } : g).ToList() };
        var state = State(doc);
        var moved = doc with { Gateways = doc.Gateways.Select(g => g.Id == "gw-a" ? g with { Address = "127.0.0.23" } : g).ToList() };

        var changes = ProvisioningPlanner.Plan(state, moved, T0 + Duration.FromHours(1));

        changes.ShouldHaveSingleItem().Event.ShouldBeOfType<GatewayChanged>();
        state.ApplyAll(changes.Select(c => c.Event)).Gateways["gw-a"].Options.Prefix.ShouldBe("00");
    }

    [Fact]
    public void Removing_a_tenant_removes_what_belongs_to_it_innermost_first()
    {
        var state = State(Demo().WithTenant("globex", t => t with { Forwards = [new ForwardSpec { Did = "+31205550200", To = "+31205550100" }] }));
        var withoutGlobex = Demo() with { Tenants = Demo().Tenants.Where(t => t.Id != "globex").ToList() };

        var events = ProvisioningPlanner.Plan(state, withoutGlobex, T0 + Duration.FromHours(1)).Select(c => c.Event.GetType().Name).ToList();

        events.ShouldBe(["DidForwardCleared", "DidRangeReleased", "PbxRemoved", "DialplanRemoved", "TenantRemoved"]);
    }

    [Fact]
    public void As_of_an_instant_the_old_routing_answers_and_the_full_fold_the_new()
    {
        // Given the demo at 12:00, then at 14:02 +44 moves to the default carrier and acme-hq gets a forward
        var t1 = Instant.FromUtc(2026, 11, 26, 14, 2);
        var first = Events(Demo());
        var changed = Demo().WithTenant("acme", t => t with { Forwards = [new ForwardSpec { Did = "+31205550101", To = "+31205550250" }] }) with
        {
            Lcr = Demo().Lcr.Select(r => r.Prefix == "+44" ? r with { Carriers = [new LcrCarrierSpec { Carrier = "default" }] } : r).ToList(),
        };
        var second = Events(changed, ProvisioningState.Empty.ApplyAll(first), t1);
        var log = first.Concat(second).ToList();

        // When folded as of 14:01 and in full
        var before = new RoutingSnapshot(ProvisioningState.Empty.ApplyUntil(log, t1 - Duration.FromMinutes(1)));
        var now = new RoutingSnapshot(ProvisioningState.Empty.ApplyAll(log));

        // Then each answers as routing did at that time
        before.AsOf.ShouldBe(T0);
        now.AsOf.ShouldBe(t1);
        before.Call(AcmeHq, "00442071234567").GatewayIds().ShouldBe(["gw-b", "gw-a"]);
        now.Call(AcmeHq, "00442071234567").GatewayIds().ShouldBe(["gw-a", "gw-b"]);
        before.Call(GwA, "+31205550101").ShouldBeOfType<RoutedToPbx>().Pbx.PbxId.ShouldBe("acme-hq");
        now.Call(GwA, "+31205550101").ShouldBeOfType<RoutedToPbx>().Pbx.PbxId.ShouldBe("globex-main");
    }

    [Fact]
    public void Provisioning_events_survive_a_JSON_round_trip_with_their_routing_payloads()
    {
        // Marten stores events as JSON: nested records (rules, windows, options) must come back equal.
        var options = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web);
        var window = Demo() with
        {
            Lcr = [new LcrRuleSpec { Prefix = "+44", Carriers = [new LcrCarrierSpec { Carrier = "uk" }],
                Window = new TimeWindowSpec { Days = ["mon"], From = "08:00", To = "18:00", Zone = "Europe/London" } }],
        };
        foreach (var e in Events(window).Where(e => e is LcrRuleSet or DialplanDefined or TenantRoutingSet or PbxRoutingSet or RoutingSettingsSet))
        {
            var json = System.Text.Json.JsonSerializer.Serialize(e, e.GetType(), options);
            var back = System.Text.Json.JsonSerializer.Deserialize(json, e.GetType(), options)!;
            System.Text.Json.JsonSerializer.Serialize(back, e.GetType(), options).ShouldBe(json);
        }
    }

    [Fact]
    public void Events_written_before_routing_existed_fold_to_default_settings()
    {
        var options = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web);
        var old = System.Text.Json.JsonSerializer.Deserialize<PbxRegistered>(
            """{ "pbxId": "p1", "tenantId": "t1", "addresses": ["10.0.0.1"], "port": 5060, "transport": "udp" }""", options)!;
        var oldGateway = System.Text.Json.JsonSerializer.Deserialize<GatewayRegistered>(
            """{ "gatewayId": "g1", "address": "10.0.1.1", "port": 5060, "transport": "udp" }""", options)!;

        var state = ProvisioningState.Empty.Apply(old).Apply(oldGateway);

        state.Pbxs["p1"].Routing.ShouldBe(PbxRouting.Default);
        state.Gateways["g1"].Options.ShouldBe(GatewayOptions.Default);
    }

    private sealed class RoutingSetComparer : IEqualityComparer<ProvisioningChange>
    {
        public bool Equals(ProvisioningChange? x, ProvisioningChange? y) =>
            System.Text.Json.JsonSerializer.Serialize<object?>(x) == System.Text.Json.JsonSerializer.Serialize<object?>(y);
        public int GetHashCode(ProvisioningChange obj) => 0;
    }
}
