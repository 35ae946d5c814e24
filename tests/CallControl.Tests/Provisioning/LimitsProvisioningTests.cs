using CallControl.Limits;
using CallControl.Provisioning;
using NodaTime;
using Shouldly;
using Xunit;
using static CallControl.Tests.Routing.RoutingWorld;

namespace CallControl.Tests.Provisioning;

public class LimitsProvisioningTests
{
    private static readonly Instant Later = T0 + Duration.FromHours(1);

    private static ProvisioningDocument WithGateway(ProvisioningDocument doc, string id, Func<GatewaySpec, GatewaySpec> change) =>
        doc with { Gateways = doc.Gateways.Select(g => g.Id == id ? change(g) : g).ToList() };

    [Fact]
    public void The_demo_limits_globex_main_to_2_calls_and_200_kbps()
    {
        var events = Events(Demo());

        events.OfType<PbxLimitsSet>().ShouldHaveSingleItem().ShouldBe(new PbxLimitsSet("globex-main", "globex", new LinkLimits(2, 200), T0));
        events.OfType<TenantLimitsSet>().ShouldBeEmpty();
        events.OfType<GatewayLimitsSet>().ShouldBeEmpty();
        var table = State(Demo()).ToLimitsTable();
        table.ForPbx("globex-main").ShouldBe(new LinkLimits(2, 200));
        table.ForPbx("acme-hq").ShouldBe(LinkLimits.Unlimited);
    }

    [Fact]
    public void Limit_events_come_after_the_objects_they_limit()
    {
        var events = Events(Demo().WithTenant("acme", t => t with { Limits = new LimitsSpec { MaxCalls = 30 } }));
        int Index(Func<IProvisioningEvent, bool> match) => events.Select((e, i) => (e, i)).First(x => match(x.e)).i;

        Index(e => e is TenantCreated { TenantId: "acme" }).ShouldBeLessThan(Index(e => e is TenantLimitsSet { TenantId: "acme" }));
        Index(e => e is PbxRegistered { PbxId: "globex-main" }).ShouldBeLessThan(Index(e => e is PbxLimitsSet { PbxId: "globex-main" }));
    }

    [Fact]
    public void Applying_the_same_limits_twice_records_nothing()
    {
        var doc = WithGateway(Demo().WithTenant("acme", t => t with { Limits = new LimitsSpec { MaxKbps = 5000 } }), "gw-a", g => g with { MaxChannels = 30 });
        ProvisioningPlanner.Plan(State(doc), doc, Later).ShouldBeEmpty();
    }

    [Fact]
    public void Each_limit_change_emits_exactly_one_event()
    {
        var state = State(Demo());

        ProvisioningPlanner.Plan(state, Demo().WithPbx("acme-hq", p => p with { Limits = new LimitsSpec { MaxCalls = 10, MaxCallsPerSecond = 5 } }), Later)
            .ShouldHaveSingleItem().ShouldBe(new ProvisioningChange("pbx:acme-hq", new PbxLimitsSet("acme-hq", "acme", new LinkLimits(10, null, 5), Later)));
        ProvisioningPlanner.Plan(state, Demo().WithTenant("globex", t => t with { Limits = new LimitsSpec { MaxCalls = 3 } }), Later)
            .ShouldHaveSingleItem().ShouldBe(new ProvisioningChange("tenant:globex", new TenantLimitsSet("globex", new LinkLimits(3), Later)));
        ProvisioningPlanner.Plan(state, WithGateway(Demo(), "gw-b", g => g with { MaxChannels = 60 }), Later)
            .ShouldHaveSingleItem().ShouldBe(new ProvisioningChange("gateway:gw-b", new GatewayLimitsSet("gw-b", new GatewayLimits(60), Later)));
    }

    [Fact]
    public void Removing_limits_records_unlimited_and_the_table_forgets_them()
    {
        var state = State(Demo());
        var unlimited = Demo().WithPbx("globex-main", p => p with { Limits = null });

        var change = ProvisioningPlanner.Plan(state, unlimited, Later).ShouldHaveSingleItem();
        change.Event.ShouldBe(new PbxLimitsSet("globex-main", "globex", LinkLimits.Unlimited, Later));
        var after = state.Apply(change.Event);
        after.LimitsOfPbxs.ShouldBeEmpty();
        after.ToLimitsTable().ForPbx("globex-main").ShouldBe(LinkLimits.Unlimited);
    }

    [Fact]
    public void An_address_change_keeps_the_limits_and_a_removed_pbx_takes_them_along()
    {
        var state = State(Demo());
        var moved = Demo().WithPbx("globex-main", p => p with { Addresses = ["127.0.0.13"] });
        var changes = ProvisioningPlanner.Plan(state, moved, Later);
        changes.ShouldHaveSingleItem().Event.ShouldBeOfType<PbxChanged>();
        state.ApplyAll(changes.Select(c => c.Event)).PbxLimits("globex-main").ShouldBe(new LinkLimits(2, 200));

        var gone = state.Apply(new PbxRemoved("globex-main", "globex", Later));
        gone.LimitsOfPbxs.ContainsKey("globex-main").ShouldBeFalse();
    }

    [Fact]
    public void A_pbx_moved_to_another_tenant_gets_its_limits_again()
    {
        var state = State(Demo());
        var rehomed = Demo() with
        {
            Tenants = Demo().Tenants.Select(t => t.Id switch
            {
                "globex" => t with { Pbxs = [], Dids = [] },
                "acme" => t with
                {
                    Pbxs = [.. t.Pbxs, Demo().Tenants.Single(x => x.Id == "globex").Pbxs[0]],
                    Dids = [.. t.Dids, .. Demo().Tenants.Single(x => x.Id == "globex").Dids],
                },
                _ => t,
            }).ToList(),
        };
        ProvisioningValidator.Validate(rehomed).ShouldBeEmpty();

        var after = state.ApplyAll(ProvisioningPlanner.Plan(state, rehomed, Later).Select(c => c.Event));

        after.Pbxs["globex-main"].TenantId.ShouldBe("acme");
        after.PbxLimits("globex-main").ShouldBe(new LinkLimits(2, 200));
    }

    [Fact]
    public void Limits_are_read_from_json_and_bad_values_are_named_by_field()
    {
        var doc = Parse("""
            {
              "tenants": [ { "id": "acme", "limits": { "maxCalls": -1, "maxKbps": 1000 },
                "pbxs": [ { "id": "acme-hq", "addresses": ["127.0.0.11"], "limits": { "maxCalls": 5, "maxKbps": 200000000, "maxCallsPerSecond": -2 } } ] } ],
              "gateways": [ { "id": "gw-a", "address": "127.0.0.21", "maxChannels": -5 } ]
            }
            """);

        doc.Tenants[0].Limits!.MaxKbps.ShouldBe(1000);
        var errors = ProvisioningValidator.Validate(doc);
        errors.Select(e => e.Field).ShouldBe(
        [
            "tenants[0].limits.maxCalls", "tenants[0].pbxs[0].limits.maxKbps", "tenants[0].pbxs[0].limits.maxCallsPerSecond", "gateways[0].maxChannels",
        ]);
        errors[0].Message.ShouldContain("-1 is not a limit");
    }

    [Fact]
    public void Zero_suspends_a_link_and_is_valid()
    {
        var doc = Demo().WithPbx("acme-hq", p => p with { Limits = new LimitsSpec { MaxCalls = 0 } });
        ProvisioningValidator.Validate(doc).ShouldBeEmpty();
        State(doc).ToLimitsTable().ForPbx("acme-hq").MaxCalls.ShouldBe(0);
    }

    [Fact]
    public void The_state_as_of_an_instant_has_the_limits_of_that_instant()
    {
        var before = Events(Demo());
        var raised = ProvisioningPlanner.Plan(State(Demo()), Demo().WithPbx("globex-main", p => p with { Limits = new LimitsSpec { MaxCalls = 20 } }), Later)
            .Select(c => c.Event);
        var log = before.Concat(raised).ToList();

        ProvisioningState.Empty.ApplyUntil(log, T0 + Duration.FromMinutes(30)).PbxLimits("globex-main").MaxCalls.ShouldBe(2);
        ProvisioningState.Empty.ApplyUntil(log, Later).PbxLimits("globex-main").MaxCalls.ShouldBe(20);
    }
}
