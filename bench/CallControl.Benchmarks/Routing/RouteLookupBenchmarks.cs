using System.Diagnostics;
using System.Net;
using BenchmarkDotNet.Attributes;
using CallControl.Provisioning;
using CallControl.Routing;
using NodaTime;

namespace CallControl.Benchmarks.Routing;

/// <summary>
/// Router.Route over a worst-case snapshot: 1,000,000 single DIDs (1,000 PBXs in 100 tenants) and
/// 100,000 LCR prefixes (+ a default rule). The set-up prints the snapshot build time and memory.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(iterationCount: 5, warmupCount: 2)]
public class RouteLookupBenchmarks
{
    private const int Dids = 1_000_000;
    private const int Pbxs = 1_000;
    private const int LcrPrefixes = 100_000;

    private RoutingSnapshot _snapshot = null!;
    private CallAttempt _interPbx = null!;
    private CallAttempt _lcr = null!;
    private readonly Instant _now = Instant.FromUtc(2026, 11, 26, 14, 2);

    public static ProvisioningDocument Document()
    {
        var tenants = Enumerable.Range(0, 100).Select(t => new TenantSpec
        {
            Id = $"t{t}",
            Pbxs = Enumerable.Range(0, Pbxs / 100).Select(p => new PbxSpec
            {
                Id = $"pbx{t * 10 + p}", Addresses = [$"10.0.{t}.{p + 1}"],
                CallerId = new CallerIdSpec { Mode = "main-did", Number = $"+31{200000000 + (t * 10 + p) * (Dids / Pbxs)}" },
            }).ToList(),
            // PBX n owns the 1,000 consecutive numbers +31 2000nn000.. as single DIDs.
            Dids = Enumerable.Range(0, Dids / 100).Select(i =>
            {
                var n = t * (Dids / 100) + i;
                return new DidRangeSpec { First = $"+31{200000000 + n}", Pbx = $"pbx{n / (Dids / Pbxs)}" };
            }).ToList(),
        }).ToList();
        var gateways = Enumerable.Range(0, 20).Select(g => new GatewaySpec { Id = $"gw{g}", Address = $"10.1.0.{g + 1}", KeepPlus = false, StripDigits = 0 }).ToList();
        var carriers = Enumerable.Range(0, 10).Select(c => new CarrierSpec
        {
            Id = $"c{c}", Selection = c % 2 == 0 ? "ordered" : "weighted",
            Gateways = [new() { Gateway = $"gw{c * 2}", Weight = 3 }, new() { Gateway = $"gw{c * 2 + 1}", Weight = 1 }],
        }).ToList();
        var lcr = Enumerable.Range(0, LcrPrefixes)
            .Select(i => new LcrRuleSpec { Prefix = $"+1{i:00000}", Carriers = [new() { Carrier = $"c{i % 10}", Priority = 1 }, new() { Carrier = $"c{(i + 1) % 10}", Priority = 2 }] })
            .Append(new LcrRuleSpec { Prefix = "+", Carriers = [new() { Carrier = "c0" }] })
            .ToList();
        return new ProvisioningDocument { Tenants = tenants, Gateways = gateways, Carriers = carriers, Lcr = lcr };
    }

    [GlobalSetup]
    public void Setup()
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var state = ProvisioningPlanner.Desired(Document()); // bulk: what folding the plan's events produces
        var withState = GC.GetTotalMemory(forceFullCollection: true);
        var watch = Stopwatch.StartNew();
        _snapshot = new RoutingSnapshot(state);
        var buildTime = watch.Elapsed;
        var withSnapshot = GC.GetTotalMemory(forceFullCollection: true);
        // A second and third build, to report a warm figure too.
        var warm = Enumerable.Range(0, 2).Min(_ => { var w = Stopwatch.StartNew(); GC.KeepAlive(new RoutingSnapshot(state)); return w.Elapsed; });
        Console.WriteLine($"// Snapshot: {_snapshot.DidRangeCount:N0} DIDs, {_snapshot.LcrRuleCount:N0} LCR rules; " +
                          $"build {buildTime.TotalMilliseconds:N0} ms cold, {warm.TotalMilliseconds:N0} ms warm; " +
                          $"ProvisioningState {(withState - before) / 1048576.0:N1} MB, snapshot tables {(withSnapshot - withState) / 1048576.0:N1} MB");

        _interPbx = new CallAttempt(IPAddress.Parse("10.0.3.4"), "+31200777777", "+31200034000");
        _lcr = new CallAttempt(IPAddress.Parse("10.0.3.4"), "+15551234567", "2001") { SelectionSeed = 42 };
        if (Router.Route(_snapshot, _interPbx, NetworkHealth.AllUp, _now) is not RoutedToPbx)
            throw new InvalidOperationException("inter-PBX set-up does not route to a PBX");
        if (Router.Route(_snapshot, _lcr, NetworkHealth.AllUp, _now) is not RoutedToGateways { Targets.Count: 4 })
            throw new InvalidOperationException("LCR set-up does not route to four gateways");
    }

    [Benchmark(Baseline = true)]
    public RoutingResult RouteInterPbx() => Router.Route(_snapshot, _interPbx, NetworkHealth.AllUp, _now);

    [Benchmark]
    public RoutingResult RouteLcr() => Router.Route(_snapshot, _lcr, NetworkHealth.AllUp, _now);

    /// <summary>The table lookup alone: no allocation.</summary>
    [Benchmark]
    public (PbxTarget, string)? FindDid() => _snapshot.FindDid("+31200777777");
}
