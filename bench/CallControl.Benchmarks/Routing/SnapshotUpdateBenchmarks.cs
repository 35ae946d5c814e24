using BenchmarkDotNet.Attributes;
using CallControl.Provisioning;
using CallControl.Routing;
using NodaTime;

namespace CallControl.Benchmarks.Routing;

/// <summary>
/// One provisioning change on the <see cref="LargeCloud"/> (1M DIDs, 100k LCR prefixes): the next snapshot
/// built with <see cref="RoutingSnapshot.Apply"/> (reusing the unchanged tables) against the full rebuild
/// every change used to cost (baseline). Every call starts from the same snapshot: Apply changes nothing.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(iterationCount: 5, warmupCount: 2)]
public class SnapshotUpdateBenchmarks
{
    private static readonly Instant At = LargeCloud.At + Duration.FromHours(1);

    private RoutingSnapshot _snapshot = null!;
    private IProvisioningEvent[] _reassignDid = null!;
    private IProvisioningEvent[] _changePbx = null!;
    private IProvisioningEvent[] _changeGateway = null!;
    private IProvisioningEvent[] _changeLcrRule = null!;

    [GlobalSetup]
    public void Setup()
    {
        _snapshot = LargeCloud.Load("Large cloud");
        // +31200777777 belongs to pbx777 (tenant t77); it moves to pbx778 of the same tenant.
        _reassignDid =
        [
            new DidRangeReleased("+31200777777", "t77", "pbx777", At),
            new DidRangeAssigned("+31200777777", "t77", "pbx778", "+31200777777", "+31200777777", At),
        ];
        _changePbx = [new PbxRoutingSet("pbx5", "t0", new PbxRouting(false, null, CallerIdPolicy.Passthrough, "sip:vm@10.9.0.1"), At)];
        _changeGateway = [new GatewayOptionsSet("gw3", GatewayOptions.Default with { Prefix = "00", KeepPlus = false }, At)];
        _changeLcrRule = [new LcrRuleSet("+155512", "+155512", [new LcrCarrier("c3", 1)], null, At)];

        var next = _snapshot.Apply(_reassignDid);
        if (next.FindDid("+31200777777")?.Pbx.PbxId != "pbx778" || _snapshot.FindDid("+31200777777")?.Pbx.PbxId != "pbx777")
            throw new InvalidOperationException("the reassignment did not take effect in the next snapshot only");
    }

    /// <summary>What every change cost before: fold, then build all tables again.</summary>
    [Benchmark(Baseline = true)]
    public RoutingSnapshot ReassignDidByFullRebuild() => new(_snapshot.State.ApplyAll(_reassignDid));

    [Benchmark]
    public RoutingSnapshot ReassignDid() => _snapshot.Apply(_reassignDid);

    /// <summary>Rebuilds the small tables (1,000 PBXs, tenants, gateways, carriers); DIDs and LCR shared.</summary>
    [Benchmark]
    public RoutingSnapshot ChangePbxRouting() => _snapshot.Apply(_changePbx);

    [Benchmark]
    public RoutingSnapshot ChangeGatewayOptions() => _snapshot.Apply(_changeGateway);

    /// <summary>An LCR rule change copies the LCR shard its prefix lands in (of 256 over 100k rules); everything else is shared.</summary>
    [Benchmark]
    public RoutingSnapshot ChangeLcrRule() => _snapshot.Apply(_changeLcrRule);
}
