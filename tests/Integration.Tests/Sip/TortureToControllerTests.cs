using System.Net;
using System.Net.Sockets;
using System.Text;
using CallControl.Sip.Message;
using CallControl.Tests.Infrastructure;
using CallControl.Tests.Message.Conformance;
using Shouldly;
using Xunit.Abstractions;

namespace CallControl.Tests.Sip;

/// <summary>Over UDP: its own controller (the same messages over TCP to the same controller would be retransmissions).</summary>
public sealed class TortureOverUdpToControllerTests(SipControllerFixture controller, ITestOutputHelper output)
    : TortureToControllerTests(controller, output, tcp: false), IClassFixture<SipControllerFixture>;

/// <summary>Over TCP, a fresh connection per message, against its own controller.</summary>
public sealed class TortureOverTcpToControllerTests(SipControllerFixture controller, ITestOutputHelper output)
    : TortureToControllerTests(controller, output, tcp: true), IClassFixture<SipControllerFixture>;

/// <summary>
/// Every RFC 4475 §3.1 torture message sent to a running controller, over UDP (one datagram, from 127.0.0.98) or
/// over TCP (a fresh connection each, from 127.0.0.97): the answer must be the one our conformance table decided
/// (docs/sip-conformance.md): reject N = an N comes back; drop / needmore = nothing comes back; accept = no
/// message-layer rejection (400/416/505) comes back. Then the controller must still complete a normal sipp call.
/// Over UDP an accepted request is answered (by the proxy or the policy) at its Via's port, which is not ours, so
/// only "no rejection" is checked there; over TCP answers come back on the connection and at least one is required
/// for an accepted request.
/// </summary>
public abstract class TortureToControllerTests(SipControllerFixture controller, ITestOutputHelper output, bool tcp)
{
    private static readonly IPAddress UdpSender = IPAddress.Parse("127.0.0.98");
    private static readonly IPAddress TcpSender = IPAddress.Parse("127.0.0.97");
    /// <summary>How long "nothing comes back" is listened for (a late answer would be a wrong answer, not a slow one).</summary>
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(600);
    /// <summary>How long an answer that must come is waited for: the first write-ahead commit of a loaded machine can take
    /// seconds, so the answer is awaited, not expected within a window.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly int[] MessageLayerRejections = [400, 416, 505];

    private static string Root => Path.Combine(AppContext.BaseDirectory, "TestData", "rfc4475");

    private static IEnumerable<string> ManifestNames() =>
        File.ReadLines(Path.Combine(Root, "manifest.tsv")).Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t')[0]);

    [Fact]
    public async Task Every_torture_message_gets_the_decided_answer_and_a_call_still_works()
    {
        var transport = tcp ? "TCP" : "UDP";
        var table = new StringBuilder($"| message | {transport} expected | {transport} got |\n|---|---|---|\n");
        var failures = new List<string>();
        foreach (var name in ManifestNames())
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(Root, name + ".sip"));
            var expected = ConformanceExpectations.ByKey[$"rfc4475/{name}"];
            var isResponse = bytes.AsSpan().StartsWith("SIP/"u8);
            var outcome = tcp ? expected.Tcp : expected.Udp;
            var awaited = Awaited(outcome, isResponse, requireAnswer: tcp);
            var got = tcp ? await SendTcpAsync(bytes, awaited) : await SendUdpAsync(bytes, awaited);
            var ok = Judge(outcome, got, isResponse, requireAnswer: tcp);
            table.Append(CultureInfoInvariant($"| {name} | {outcome} | {Describe(got)}{(ok ? "" : " **FAIL**")} |\n"));
            if (!ok) failures.Add($"{name} over {transport}: expected {outcome}, got {Describe(got)}");
        }

        output.WriteLine(table.ToString());
        await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, $"torture-to-controller-{transport.ToLowerInvariant()}.md"), table.ToString());

        // The controller is still healthy: a normal call goes through.
        await using var callee = await Sipp.StartServerAsync("uas-answer.xml", ControllerFixture.GlobexAddress, controller.GlobexPort);
        var callerPort = FreePort.Udp(ControllerFixture.AcmeAddress);
        await using var caller = Sipp.StartClient("uac-call.xml", ControllerFixture.AcmeAddress, callerPort, controller.SipEndpoint, "+31205550200");
        var callerResult = await caller.WaitAsync();
        callerResult.AllCallsSucceeded.ShouldBeTrue(callerResult.ToString());
        (await callee.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();

        failures.ShouldBeEmpty(string.Join("\n", failures));
    }

    private static string CultureInfoInvariant(FormattableString s) => s.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static bool Judge(Outcome expected, IReadOnlyList<int> got, bool isResponse, bool requireAnswer) => expected.Verdict switch
    {
        Verdict.Reject => got.Contains(expected.StatusCode) && got.All(c => c < 200 || c == expected.StatusCode),
        Verdict.Drop or Verdict.NeedMore => got.Count == 0,
        _ => !got.Any(MessageLayerRejections.Contains) && (isResponse ? got.Count == 0 : !requireAnswer || got.Any(c => c >= 200)),
    };

    /// <summary>The answer that must come (listening stops as soon as it has), or null when the check is that nothing
    /// (or no rejection) comes back, which is listened for during <see cref="Quiet"/>.</summary>
    private static Func<IReadOnlyList<int>, bool>? Awaited(Outcome expected, bool isResponse, bool requireAnswer) => expected.Verdict switch
    {
        Verdict.Reject => codes => codes.Contains(expected.StatusCode),
        Verdict.Drop or Verdict.NeedMore => null,
        _ => !isResponse && requireAnswer ? codes => codes.Any(c => c >= 200) : null,
    };

    private static string Describe(IReadOnlyList<int> codes) => codes.Count == 0 ? "nothing" : string.Join(" ", codes);

    private async Task<IReadOnlyList<int>> SendUdpAsync(byte[] bytes, Func<IReadOnlyList<int>, bool>? awaited)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(UdpSender, 0));
        await socket.SendToAsync(bytes, SocketFlags.None, controller.SipEndpoint);
        var codes = new List<int>();
        var buffer = new byte[65536];
        using var cts = new CancellationTokenSource(awaited is null ? Quiet : Patience);
        try
        {
            while (true)
            {
                var result = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
                if (StatusOf(buffer.AsSpan(0, result.ReceivedBytes).ToArray()) is { } code) codes.Add(code);
                if (awaited?.Invoke(codes) == true) return codes;
            }
        }
        catch (OperationCanceledException)
        {
            return codes;
        }
    }

    private async Task<IReadOnlyList<int>> SendTcpAsync(byte[] bytes, Func<IReadOnlyList<int>, bool>? awaited)
    {
        var endpoint = controller.SipTcpEndpoint!;
        using var client = new TcpClient(new IPEndPoint(TcpSender, 0));
        await client.ConnectAsync(endpoint.Address, endpoint.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(bytes);
        var codes = new List<int>();
        var buffer = new byte[65536];
        var count = 0;
        using var cts = new CancellationTokenSource(awaited is null ? Quiet : Patience);
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(count), cts.Token);
                if (read == 0) break; // the controller closed the connection (framing error)
                count += read;
                var pos = 0;
                while (pos < count)
                {
                    if (buffer[pos] is (byte)'\r' or (byte)'\n') { pos++; continue; }
                    var frame = SipParser.Frame(buffer.AsSpan(pos, count - pos), true, SipParserOptions.Default);
                    if (frame.Status != SipFrameStatus.Complete) break;
                    if (StatusOf(buffer.AsSpan(pos, frame.Length).ToArray()) is { } code) codes.Add(code);
                    pos += frame.Length;
                }
                if (awaited?.Invoke(codes) == true) return codes;
                Buffer.BlockCopy(buffer, pos, buffer, 0, count - pos);
                count -= pos;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // quiet for the window, or reset by the controller
        }
        return codes;
    }

    /// <summary>Status code from the status line only: a rejection copies the offending header (e.g. a CSeq past
    /// 2^32), so the response itself need not parse.</summary>
    private static int? StatusOf(byte[] data) =>
        data.Length >= 12 && data.AsSpan().StartsWith("SIP/2.0 "u8) &&
        int.TryParse(data.AsSpan(8, 3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code)
            ? code
            : null;
}
