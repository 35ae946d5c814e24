using System.Diagnostics;
using System.Runtime.CompilerServices;
using CallControl.Provisioning;
using CallControl.Routing;
using NodaTime;

namespace CallControl.Benchmarks.Routing;

/// <summary>
/// The worst-case cloud of the routing benchmarks: 1,000,000 single DIDs (1,000 PBXs in 100 tenants) and
/// 100,000 LCR prefixes (+ a default rule), loaded the way a controller starts: the planner's events for
/// the whole document, folded in one batch, then the snapshot built.
/// </summary>
public static class LargeCloud
{
    public const int Dids = 1_000_000;
    public const int Pbxs = 1_000;
    public const int LcrPrefixes = 100_000;
    public static readonly Instant At = Instant.FromUtc(2026, 11, 26, 12, 0);

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

    /// <summary>The events that provision the whole document, each with strings of its own, as they come out of
    /// the event store's JSON (the planner's events would share strings with the document).</summary>
    public static List<IProvisioningEvent> Events(ProvisioningDocument? document = null) =>
        ProvisioningPlanner.Plan(ProvisioningState.Empty, document ?? Document(), At).Select(c => c.Event switch
        {
            DidRangeAssigned d => new DidRangeAssigned(Copy(d.RangeId), Copy(d.TenantId), Copy(d.PbxId), Copy(d.First), Copy(d.Last), d.At),
            var other => other,
        }).ToList();

    private static string Copy(string s) => new(s.AsSpan());

    /// <summary>Loads the cloud as a controller's start-up does and prints what it took.</summary>
    /// <remarks>Memory is <c>GC.GetTotalMemory(forceFullCollection: true)</c> before and after, with the events
    /// gone: what the state and the snapshot keep alive, not what loading allocated on the way.</remarks>
    public static RoutingSnapshot Load(string label)
    {
        // Warm the planner and the fold (JIT, serializer caches) so their statics do not count as state.
        GC.KeepAlive(Fold(new ProvisioningDocument
        {
            Tenants = [new TenantSpec { Id = "w", Pbxs = [new PbxSpec { Id = "w", Addresses = ["10.9.9.9"] }], Dids = [new DidRangeSpec { First = "+31999000000", Pbx = "w" }] }],
            Gateways = [new GatewaySpec { Id = "w", Address = "10.9.9.8" }],
            Carriers = [new CarrierSpec { Id = "w", Gateways = [new() { Gateway = "w" }] }],
            Lcr = [new LcrRuleSpec { Prefix = "+9", Carriers = [new() { Carrier = "w" }] }],
        }));
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var (state, count, fold) = Fold(null);
        var withState = GC.GetTotalMemory(forceFullCollection: true);
        var watch = Stopwatch.StartNew();
        var snapshot = new RoutingSnapshot(state);
        var build = watch.Elapsed;
        var withSnapshot = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"// {label}: {count:N0} events folded in {fold.TotalMilliseconds:N0} ms; snapshot ({snapshot.DidRangeCount:N0} DIDs, " +
                          $"{snapshot.LcrRuleCount:N0} LCR rules) built in {build.TotalMilliseconds:N0} ms; memory: ProvisioningState " +
                          $"{(withState - baseline) / 1048576.0:N1} MB, snapshot tables {(withSnapshot - withState) / 1048576.0:N1} MB");
        return snapshot;
    }

    // Its own frame (null: the large cloud's document, made here), so nothing of the document or the events (not even an unoptimized caller's temporaries) outlives it.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (ProvisioningState State, int Events, TimeSpan Elapsed) Fold(ProvisioningDocument? document)
    {
        var events = Events(document);
        var watch = Stopwatch.StartNew();
        var state = ProvisioningState.Empty.ApplyAll(events);
        return (state, events.Count, watch.Elapsed);
    }
}
