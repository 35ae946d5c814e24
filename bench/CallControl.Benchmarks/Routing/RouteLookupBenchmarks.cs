using System.Diagnostics;
using System.Net;
using BenchmarkDotNet.Attributes;
using CallControl.Routing;
using NodaTime;

namespace CallControl.Benchmarks.Routing;

/// <summary>
/// Router.Route over the worst-case snapshot of <see cref="LargeCloud"/>: 1,000,000 single DIDs (1,000 PBXs
/// in 100 tenants) and 100,000 LCR prefixes. The set-up prints the start-up fold, the build and the memory.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(iterationCount: 5, warmupCount: 2)]
public class RouteLookupBenchmarks
{
    private RoutingSnapshot _snapshot = null!;
    private CallAttempt _interPbx = null!;
    private CallAttempt _lcr = null!;
    private readonly Instant _now = Instant.FromUtc(2026, 11, 26, 14, 2);

    [GlobalSetup]
    public void Setup()
    {
        _snapshot = LargeCloud.Load("Large cloud");
        // Two more builds from the same state, for a warm figure.
        var warm = Enumerable.Range(0, 2).Min(_ => { var w = Stopwatch.StartNew(); GC.KeepAlive(new RoutingSnapshot(_snapshot.State)); return w.Elapsed; });
        Console.WriteLine($"// Full snapshot build, warm: {warm.TotalMilliseconds:N0} ms");

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
