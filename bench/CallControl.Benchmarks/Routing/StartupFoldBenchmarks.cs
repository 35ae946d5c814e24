using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CallControl.Provisioning;
using CallControl.Routing;

namespace CallControl.Benchmarks.Routing;

/// <summary>
/// Start-up of the <see cref="LargeCloud"/> (about 1.1 million provisioning events, most of them DID assignments)
/// without the event store: folding the events and building the first snapshot. The baseline folds event
/// by event, a new state per event, as start-up did before batch folding.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class StartupFoldBenchmarks
{
    private List<IProvisioningEvent> _events = null!;

    [GlobalSetup]
    public void Setup() => _events = LargeCloud.Events();

    [Benchmark(Baseline = true)]
    public ProvisioningState FoldEventByEvent()
    {
        var state = ProvisioningState.Empty;
        foreach (var e in _events) state = state.Apply(e);
        return state;
    }

    [Benchmark]
    public ProvisioningState FoldInOneBatch() => ProvisioningState.Empty.ApplyAll(_events);

    /// <summary>What LiveRoutingTable does at start-up: the first Apply folds everything and builds every table.</summary>
    [Benchmark]
    public RoutingSnapshot FoldAndBuildSnapshot() => RoutingSnapshot.Empty.Apply(_events);
}
