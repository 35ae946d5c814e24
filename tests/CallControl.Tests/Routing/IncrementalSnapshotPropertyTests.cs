using System.Net;
using System.Text.Json;
using CallControl.Limits;
using CallControl.Provisioning;
using CallControl.Routing;
using CsCheck;
using NodaTime;
using Shouldly;
using Xunit;

namespace CallControl.Tests.Routing;

/// <summary>
/// A snapshot built step by step with <see cref="RoutingSnapshot.Apply"/> (reusing the previous one's tables)
/// equals one built from scratch over the same events, after every batch: same tables, same routes. The
/// events are random over a small world, including ones that refer to objects that do not exist (the fold
/// and the tables must agree on those too). DID ranges are disjoint, as validation guarantees.
/// </summary>
public class IncrementalSnapshotPropertyTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 11, 26, 12, 0);

    private static readonly string[] Tenants = ["t0", "t1", "t2"];
    private static readonly string[] Pbxs = ["p0", "p1", "p2", "p3", "p4"];
    private static readonly string[] PbxAddresses = ["10.0.0.1", "10.0.0.2", "10.0.1.0/24", "10.0.0.3", "not-an-ip"];
    private static readonly string[] Gateways = ["g0", "g1", "g2", "g3"];
    private static readonly string[] GatewayAddresses = ["10.1.0.1", "10.1.0.2", "10.1.0.3", "bad"];
    private static readonly string[] Carriers = ["c0", "c1", "c2", "c3"];
    private static readonly string[] Prefixes = ["+", "+1", "+12", "+44", "+4420", "+31200", "x1"];
    private static readonly string[] Dialplans = ["d0", "d1"];
    // Disjoint by construction: ten singles, five ranges of ten, one number that is not E.164.
    private static readonly (string First, string Last)[] Dids =
    [
        .. Enumerable.Range(0, 10).Select(i => ($"+3120000000{i}", $"+3120000000{i}")),
        .. Enumerable.Range(0, 5).Select(i => ($"+312000010{i}0", $"+312000010{i}9")),
        ("+0123", "+0123"),
    ];

    private static readonly IPAddress[] Sources =
        [.. new[] { "10.0.0.1", "10.0.0.2", "10.0.1.7", "10.0.0.3", "10.1.0.1", "10.1.0.2", "10.1.0.3" }.Select(IPAddress.Parse)];
    private static readonly string[] Numbers =
        ["+31200000000", "+31200000003", "+31200000009", "+31200001005", "+31200001049", "+31200001099", "+4420712345", "+12025550100", "+33123456", "0200000004", "112"];

    private static Gen<T> Pick<T>(T[] items) => Gen.Int[0, items.Length - 1].Select(i => items[i]);

    private static readonly Gen<IProvisioningEvent> Event = Gen.Frequency(
        (3, Gen.Select(Pick(Tenants), Gen.Int[0, 3], (t, n) => (IProvisioningEvent)new TenantCreated(t, $"Tenant {n}", T0))),
        (1, Gen.Select(Pick(Tenants), Gen.Int[0, 3], (t, n) => (IProvisioningEvent)new TenantRenamed(t, $"Renamed {n}", T0))),
        (1, Pick(Tenants).Select(t => (IProvisioningEvent)new TenantRemoved(t, T0))),
        (2, Gen.Select(Pick(Tenants), Gen.Bool, Pick(Gateways), (t, blocked, gw) => (IProvisioningEvent)new TenantRoutingSet(t,
            new TenantRouting(blocked ? "d0" : null, blocked ? ["+44"] : [], blocked ? ["+4420"] : [], [new EmergencyNumber("112", gw)]), T0))),
        (4, Gen.Select(Pick(Pbxs), Pick(Tenants), Pick(PbxAddresses), Gen.Bool, (p, t, a, nat) => (IProvisioningEvent)new PbxRegistered(p, t, [a], 5060, "udp", T0,
            nat ? new PbxRouting(true, "d1", new CallerIdPolicy(CallerIdModes.MainDid, "+31200000001"), "sip:vm@10.9.9.9") : null))),
        (2, Gen.Select(Pick(Pbxs), Pick(Tenants), Pick(PbxAddresses), (p, t, a) => (IProvisioningEvent)new PbxChanged(p, t, [a, "10.0.2.0/24"], 5070, "tcp", T0))),
        (1, Gen.Select(Pick(Pbxs), Pick(Tenants), (p, t) => (IProvisioningEvent)new PbxRemoved(p, t, T0))),
        (2, Gen.Select(Pick(Pbxs), Pick(Tenants), Gen.Bool, (p, t, vm) => (IProvisioningEvent)new PbxRoutingSet(p, t,
            new PbxRouting(false, vm ? null : "d0", CallerIdPolicy.Passthrough, vm ? "sip:vm@10.9.9.8:5080" : null), T0))),
        (12, Gen.Select(Gen.Int[0, Dids.Length - 1], Pick(Tenants), Pick(Pbxs), (d, t, p) =>
            (IProvisioningEvent)new DidRangeAssigned(ProvisioningStreams.RangeId(Dids[d].First, Dids[d].Last), t, p, Dids[d].First, Dids[d].Last, T0))),
        (6, Gen.Select(Gen.Int[0, Dids.Length - 1], Pick(Tenants), Pick(Pbxs), (d, t, p) =>
            (IProvisioningEvent)new DidRangeReleased(ProvisioningStreams.RangeId(Dids[d].First, Dids[d].Last), t, p, T0))),
        (2, Gen.Select(Gen.Int[0, 9], Pick(Tenants), Pick(Numbers), (d, t, to) => (IProvisioningEvent)new DidForwardSet(Dids[d].First, t, to, T0))),
        (1, Gen.Select(Gen.Int[0, 9], Pick(Tenants), (d, t) => (IProvisioningEvent)new DidForwardCleared(Dids[d].First, t, T0))),
        (2, Gen.Select(Pick(Dialplans), Pick(Tenants), Gen.Bool, (d, t, national) => (IProvisioningEvent)new DialplanDefined(d, t,
            national ? [new DialplanRule($"{d}-national", "0", null, "+31", 10)] : [new DialplanRule($"{d}-intl", "00", null, "+", 10)], T0))),
        (1, Gen.Select(Pick(Dialplans), Pick(Tenants), (d, t) => (IProvisioningEvent)new DialplanRemoved(d, t, T0))),
        (3, Gen.Select(Pick(Gateways), Pick(GatewayAddresses), (g, a) => (IProvisioningEvent)new GatewayRegistered(g, a, 5060, "udp", T0))),
        (1, Gen.Select(Pick(Gateways), Pick(GatewayAddresses), (g, a) => (IProvisioningEvent)new GatewayChanged(g, a, 5080, "udp", T0))),
        (1, Pick(Gateways).Select(g => (IProvisioningEvent)new GatewayRemoved(g, T0))),
        (1, Gen.Select(Pick(Gateways), Gen.Int[0, 2], (g, strip) => (IProvisioningEvent)new GatewayOptionsSet(g,
            GatewayOptions.Default with { StripDigits = strip, Prefix = strip == 0 ? "" : "00" }, T0))),
        (3, Gen.Select(Pick(Carriers), Gen.Bool, Gen.Int[0, 4].Array[1, 3], Gen.Int[1, 5], (c, weighted, members, w) =>
            (IProvisioningEvent)new CarrierDefined(c, weighted ? CarrierSelections.Weighted : CarrierSelections.Ordered,
                members.Select(m => new CarrierMember($"g{m}", w + m)).ToArray(), T0))),
        (1, Pick(Carriers).Select(c => (IProvisioningEvent)new CarrierRemoved(c, T0))),
        (4, Gen.Select(Gen.Int[0, 5], Pick(Prefixes), Gen.Int[0, 3].Array[1, 3], Gen.Bool, (r, prefix, carriers, windowed) =>
            (IProvisioningEvent)new LcrRuleSet($"r{r}", prefix, carriers.Select((c, i) => new LcrCarrier($"c{c}", 3 - i % 2)).ToArray(),
                windowed ? new TimeWindow(["mon", "tue", "wed", "thu", "fri"], "08:00", "18:00", "Europe/Amsterdam") : null, T0))),
        (1, Gen.Int[0, 5].Select(r => (IProvisioningEvent)new LcrRuleRemoved($"r{r}", T0))),
        (1, Gen.Bool.Select(b => (IProvisioningEvent)new RoutingSettingsSet(
            RoutingSettings.Default with { BlockedPrefixes = b ? ["+1202"] : [], NumberBlocks = b ? ["+312"] : [] }, T0))),
        (1, Gen.Select(Pick(Pbxs), Pick(Tenants), Gen.Int[0, 3], (p, t, n) => (IProvisioningEvent)new PbxLimitsSet(p, t, new LinkLimits(n, null), T0))));

    [Fact]
    public void Applying_random_event_batches_equals_building_from_scratch()
    {
        var gen = Event.List[0, 80].SelectMany(events => Gen.Int[1, 12].Array[events.Count + 1].Select(cuts => (events, cuts)));
        gen.Sample(x =>
        {
            var (events, cuts) = x;
            var incremental = RoutingSnapshot.Empty;
            var applied = new List<IProvisioningEvent>();
            var at = 0;
            for (var b = 0; at < events.Count || b == 0; b++)
            {
                var batch = events.Skip(at).Take(cuts[b]).ToList();
                at += batch.Count;
                var before = incremental;
                incremental = incremental.Apply(batch);
                applied.AddRange(batch);

                var folded = ProvisioningState.Empty.ApplyAll(applied);
                var oneByOne = applied.Aggregate(ProvisioningState.Empty, (s, e) => s.Apply(e));
                Describe(incremental.State).ShouldBe(Describe(folded));
                Describe(oneByOne).ShouldBe(Describe(folded));

                var scratch = new RoutingSnapshot(folded);
                incremental.Describe().ShouldBe(scratch.Describe(), $"after {applied.Count} events, batch {b}");
                foreach (var source in Sources)
                    foreach (var number in Numbers)
                        Render(incremental.Call(source, number)).ShouldBe(Render(scratch.Call(source, number)), $"{source} -> {number}");
                if (batch.Count == 0) incremental.ShouldBeSameAs(before);
            }
        }, iter: 200);
    }

    [Fact]
    public void A_DID_only_batch_shares_every_other_table_and_all_untouched_DID_shards()
    {
        var doc = new ProvisioningDocument
        {
            Tenants = [new TenantSpec
            {
                Id = "t", Pbxs = [new PbxSpec { Id = "a", Addresses = ["10.0.0.1"] }, new PbxSpec { Id = "b", Addresses = ["10.0.0.2"] }],
                Dids = Enumerable.Range(0, 10_000).Select(i => new DidRangeSpec { First = $"+3120{1_000_000 + i}", Pbx = i % 2 == 0 ? "a" : "b" }).ToList(),
            }],
        };
        var state = ProvisioningPlanner.Desired(doc);
        var snapshot = new RoutingSnapshot(state);
        snapshot.FindDid("+31201004242")!.Value.Pbx.PbxId.ShouldBe("a");

        var next = snapshot.Apply([
            new DidRangeReleased("+31201004242", "t", "a", T0),
            new DidRangeAssigned("+31201004242", "t", "b", "+31201004242", "+31201004242", T0),
        ]);

        next.FindDid("+31201004242")!.Value.Pbx.PbxId.ShouldBe("b");
        snapshot.FindDid("+31201004242")!.Value.Pbx.PbxId.ShouldBe("a"); // the old snapshot is untouched
        next.State.Pbxs.ShouldBeSameAs(state.Pbxs);
        next.Describe().ShouldBe(new RoutingSnapshot(next.State).Describe());
        var shared = SharedShards(snapshot, next);
        shared.ShouldBe(snapshot.DidShards.Count - 1); // one shard copied, the other nine shared
    }

    [Fact]
    public void An_LCR_only_batch_shares_every_other_table_and_all_untouched_LCR_shards()
    {
        var doc = new ProvisioningDocument
        {
            Tenants = [new TenantSpec { Id = "t", Pbxs = [new PbxSpec { Id = "p", Addresses = ["10.0.0.1"] }] }],
            Gateways = [new GatewaySpec { Id = "g", Address = "10.1.0.1" }],
            Carriers = [new CarrierSpec { Id = "a", Gateways = [new() { Gateway = "g" }] }, new CarrierSpec { Id = "b", Gateways = [new() { Gateway = "g" }] }],
            Lcr = Enumerable.Range(0, 10_000).Select(i => new LcrRuleSpec { Prefix = $"+1{i:0000}", Carriers = [new() { Carrier = "a" }] }).ToList(),
        };
        var state = ProvisioningPlanner.Desired(doc);
        var snapshot = new RoutingSnapshot(state);
        var ruleId = state.LcrRules.Values.Single(r => r.Prefix == "+14242").Id;

        var next = snapshot.Apply([
            new LcrRuleSet(ruleId, "+14242", [new LcrCarrier("b", 1)], null, T0),
            new LcrRuleSet("new", "+1424255", [new LcrCarrier("a", 1)], null, T0),
        ]);

        Render(next.Call(IPAddress.Parse("10.0.0.1"), "+14242555000")).ShouldContain("via LCR new: g");
        Render(next.Call(IPAddress.Parse("10.0.0.1"), "+14242000000")).ShouldContain($"via LCR {ruleId}: g");
        Render(snapshot.Call(IPAddress.Parse("10.0.0.1"), "+14242555000")).ShouldContain($"via LCR {ruleId}: g"); // the old snapshot is untouched
        next.Describe().ShouldBe(new RoutingSnapshot(next.State).Describe());
        next.DidShards.ShouldBe(snapshot.DidShards);
        var shared = next.LcrShards.Count(s => snapshot.LcrShards.Any(t => ReferenceEquals(s, t)));
        shared.ShouldBeGreaterThanOrEqualTo(snapshot.LcrShards.Count - 2); // the shards of +14242 and +1424255 copied
    }

    private static int SharedShards(RoutingSnapshot a, RoutingSnapshot b) =>
        a.DidShards.Count(s => b.DidShards.Any(t => ReferenceEquals(s, t)));

    private static string Describe(ProvisioningState s) => string.Join("\n",
        Json(s.Tenants), Json(s.Pbxs), Json(s.DidRanges), Json(s.Gateways), Json(s.Forwards), Json(s.Dialplans), Json(s.Carriers),
        Json(s.LcrRules), Json(s.Settings), Json(s.LimitsOfPbxs), Json(s.LimitsOfTenants), Json(s.LimitsOfGateways), s.AsOf?.ToString() ?? "-");

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);

    private static string Render(RoutingResult r) => string.Join("\n",
        r.ToString(), string.Join("|", r.Candidates), r is RoutedToGateways g ? string.Join("|", g.Targets) : "");
}
