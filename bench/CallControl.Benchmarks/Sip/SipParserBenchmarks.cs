using CallControl.Samples;
using BenchmarkDotNet.Attributes;
using CallControl.Sip.Message;

namespace CallControl.Benchmarks.Sip;

/// <summary>
/// The SIP hot path: framing + indexing a datagram (Parse*), reading the typed headers a proxy routes on
/// (ParseInviteAndRoute), and building the forwarded message from an already parsed one (Forward*): a request gets a
/// new top Via and Record-Route and Max-Forwards - 1 (the BYE also consumes its top Route), a response loses its top
/// Via. Run: dotnet run -c Release --project bench/CallControl.Benchmarks -- --filter '*SipParser*'
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 8)]
public class SipParserBenchmarks
{
    private const string ProxyVia = "SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK-cc-8f2d6b1a3e4c";
    private const string ProxyRecordRoute = "<sip:198.51.100.1;lr>";

    private readonly SipParserOptions _options = SipParserOptions.Default;
    private byte[] _invite = [];
    private byte[] _ok200 = [];
    private byte[] _bye = [];
    private SipMessage _parsedInvite = null!;
    private SipMessage _parsedOk200 = null!;
    private SipMessage _parsedBye = null!;

    [GlobalSetup]
    public void Setup()
    {
        _invite = SipCorpus.Bytes(SipCorpus.Invite);
        _ok200 = SipCorpus.Bytes(SipCorpus.Ok200);
        _bye = SipCorpus.Bytes(SipCorpus.Bye);
        _parsedInvite = Parse(_invite);
        _parsedOk200 = Parse(_ok200);
        _parsedBye = Parse(_bye);
    }

    [Benchmark(Baseline = true)]
    public SipMessage? ParseInvite() => Parse(_invite);

    [Benchmark]
    public SipMessage? ParseOk200() => Parse(_ok200);

    [Benchmark]
    public SipMessage? ParseBye() => Parse(_bye);

    /// <summary>Parse plus the typed values a proxy reads before routing (allocates the typed objects once).</summary>
    [Benchmark]
    public int ParseInviteAndRoute()
    {
        var m = Parse(_invite);
        return m.RequestUriParsed.User!.Length + m.TopVia.Branch!.Length + m.From.Tag!.Length + (m.To.Tag?.Length ?? 0) +
               m.CallId.Length + (int)m.CSeq.Number + (m.MaxForwards ?? 0);
    }

    [Benchmark]
    public byte[] ForwardInvite() => SipMessageBuilder.From(_parsedInvite)
        .AddFirst(SipHeaderId.Via, ProxyVia)
        .AddTop(SipHeaderId.RecordRoute, ProxyRecordRoute)
        .Set(SipHeaderId.MaxForwards, "69")
        .ToArray();

    [Benchmark]
    public byte[] ForwardOk200() => SipMessageBuilder.From(_parsedOk200)
        .RemoveFirstValue(SipHeaderId.Via)
        .ToArray();

    [Benchmark]
    public byte[] ForwardBye() => SipMessageBuilder.From(_parsedBye)
        .AddFirst(SipHeaderId.Via, ProxyVia)
        .RemoveFirstValue(SipHeaderId.Route)
        .Set(SipHeaderId.MaxForwards, "69")
        .ToArray();

    private SipMessage Parse(byte[] datagram)
    {
        SipParser.Parse(datagram, isStream: false, _options, out var message);
        return message!;
    }
}
