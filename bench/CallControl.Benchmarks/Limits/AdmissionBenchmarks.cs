using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using CallControl.Limits;
using NodaTime;

namespace CallControl.Benchmarks.Limits;

/// <summary>
/// The admission hot path of an INVITE: estimate the offer, check-and-reserve, settle on the answer, release.
/// Baseline is the bare registry round trip (TryAdmit + Release) on a PBX -> gateway call with limits on every scope.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(SharedMachineConfig))]
public class AdmissionBenchmarks
{
    /// <summary>
    /// In-process (no second build of a boilerplate project, which times out when the shared 2-core machine is
    /// busy) and fewer iterations; enough for ns-level numbers and allocations.
    /// </summary>
    private sealed class SharedMachineConfig : ManualConfig
    {
        public SharedMachineConfig() =>
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(10));
    }

    private const int KeyCount = 1024;

    private static readonly byte[] Offer = Bytes("""
        v=0
        o=- 1929323620 1929323620 IN IP4 127.0.0.11
        s=Asterisk
        c=IN IP4 127.0.0.11
        t=0 0
        m=audio 49170 RTP/AVP 0 8 18 101
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:18 G729/8000
        a=fmtp:18 annexb=no
        a=rtpmap:101 telephone-event/8000
        a=fmtp:101 0-16
        a=ptime:20
        a=maxptime:150
        a=sendrecv

        """);

    private static readonly byte[] Answer = Bytes("""
        v=0
        o=- 1 1 IN IP4 127.0.0.21
        s=-
        c=IN IP4 127.0.0.21
        t=0 0
        m=audio 30000 RTP/AVP 18 101
        a=rtpmap:18 G729/8000
        a=rtpmap:101 telephone-event/8000
        a=ptime:20

        """);

    private readonly string[] _keys = Enumerable.Range(0, KeyCount).Select(i => $"call-{i}@127.0.0.11;tag-{i}").ToArray();
    private readonly AdmissionRequest _request = new(CallLink.Pbx("pbx-a", "tenant-1"), CallLink.Gateway("gw-1"), 80);
    private readonly CallLink[] _twoGateways = [CallLink.Gateway("gw-1"), CallLink.Gateway("gw-2")];
    private readonly CallLink[] _fullThenFree = [CallLink.Gateway("gw-full"), CallLink.Gateway("gw-1")];
    private LiveUsageRegistry _registry = null!;
    private UsageSnapshot _snapshot = null!;
    private LimitsTable _limits = null!;
    private Instant _now;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _limits = Enumerable.Range(0, 500).Aggregate(LimitsTable.Empty, (table, i) => table
            .WithPbx($"pbx-{i}", new LinkLimits(MaxCalls: 100, MaxKbps: 10_000, MaxCallsPerSecond: 10)))
            .WithPbx("pbx-a", new LinkLimits(MaxCalls: 1_000, MaxKbps: 100_000, MaxCallsPerSecond: 1_000_000))
            .WithTenant("tenant-1", new LinkLimits(MaxCalls: 2_000))
            .WithGateway("gw-1", new GatewayLimits(MaxChannels: 1_000))
            .WithGateway("gw-full", new GatewayLimits(MaxChannels: 0));
        _registry = new LiveUsageRegistry(_limits);
        _now = Instant.FromUtc(2025, 11, 26, 9, 0);
        // some calls already up on the same scopes
        for (int i = 0; i < 200; i++)
            _registry.TryAdmit($"open-{i}", _request, _now);
        _snapshot = _registry.Snapshot(_now);
    }

    private string NextKey()
    {
        _now += Duration.FromMilliseconds(2); // 500 cps: keeps the calls-per-second window at its real size
        return _keys[_next++ & (KeyCount - 1)];
    }

    [Benchmark(Baseline = true)]
    public bool AdmitAndRelease()
    {
        var key = NextKey();
        bool admitted = _registry.TryAdmit(key, _request, _now).IsAdmitted;
        _registry.Release(key);
        return admitted;
    }

    /// <summary>An LCR call with two gateways whose first has a free channel (the common case of admission over targets).</summary>
    [Benchmark]
    public int AdmitFirstFreeAndRelease()
    {
        var key = NextKey();
        var outcome = _registry.TryAdmitFirstFree(key, _request.Source, _twoGateways, 80, isEmergency: false, _now);
        _registry.Release(key);
        return outcome.TargetIndex;
    }

    /// <summary>The first gateway has no free channel: it is skipped (a hit recorded) and the call admitted on the second.</summary>
    [Benchmark]
    public int AdmitPastAFullGatewayAndRelease()
    {
        var key = NextKey();
        var outcome = _registry.TryAdmitFirstFree(key, _request.Source, _fullThenFree, 80, isEmergency: false, _now);
        _registry.Release(key);
        return outcome.TargetIndex;
    }

    [Benchmark]
    public AdmissionDecision DecideOnly() =>
        AdmissionDecider.Decide(_limits, _snapshot, _request, _now, AdmissionOptions.Default);

    [Benchmark]
    public int EstimateOffer() => BandwidthEstimator.Default.EstimateOffer(Offer).TotalKbps;

    [Benchmark]
    public int SettleAnswer() => BandwidthEstimator.Default.Settle(Offer, Answer).TotalKbps;

    /// <summary>What the Host does per call: estimate, admit, settle on 200 OK, release on BYE.</summary>
    [Benchmark]
    public int FullInvitePath()
    {
        var key = NextKey();
        var offer = BandwidthEstimator.Default.EstimateOffer(Offer);
        _registry.TryAdmit(key, _request with { EstimatedKbps = offer.TotalKbps }, _now);
        var settled = BandwidthEstimator.Default.Settle(Offer, Answer);
        _registry.Settle(key, settled.TotalKbps);
        _registry.Release(key);
        return settled.TotalKbps;
    }

    private static byte[] Bytes(string sdp) => Encoding.ASCII.GetBytes(sdp.ReplaceLineEndings("\r\n"));
}
