using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using CallControl.Projections.Cdrs;
using CallControl.Provisioning;
using CallControl.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace CallControl.Tests.Routing;

/// <summary>gw-b (the first gateway of carrier "uk") asks for digest credentials.</summary>
public sealed class CarrierEdgeFixture : RoutingFixture
{
    public const string Username = "acme-trunk", Password = "s3cret", Realm = "carrier.example";

    public override ProvisioningDocument Document()
    {
        var doc = base.Document();
        return doc with
        {
            Gateways = doc.Gateways.Select(g => g.Id == "gw-b"
                ? g with { Auth = new GatewayAuthSpec { Username = Username, Password = Password, Realm = Realm } }
                : g).ToList(),
        };
    }
}

/// <summary>
/// What a carrier sees of an outbound call: only the controller (topology hiding, a Call-ID alias instead of the
/// PBX's Call-ID), the PBX's caller-ID policy applied (P-Asserted-Identity), and its digest challenge answered. The
/// carrier here is a small C# gateway on 127.0.0.22 that records every message it gets.
/// </summary>
public sealed class CarrierEdgeTests(CarrierEdgeFixture f) : IClassFixture<CarrierEdgeFixture>
{
    [Fact]
    public async Task The_carrier_sees_only_the_controller_the_presented_caller_id_and_a_valid_digest_answer()
    {
        // Call 1: challenged, then busy. Call 2: answered, the PBX hangs up. Call 3: answered, the carrier hangs up.
        await using var carrier = new RecordingCarrier(new IPEndPoint(RoutingFixture.GwB, f.GwBPort));
        var busyPort = FreePort.Udp(RoutingFixture.Acme);
        await using (var caller = Sipp.StartClient("uac-expect-error.xml", RoutingFixture.Acme, busyPort, f.SipEndpoint, "00442071234567",
                         replace: new Dictionary<string, string> { ["EXPECTED_STATUS"] = "486" }))
        {
            var result = await caller.WaitAsync();
            result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        }
        var callerHangsUpPort = FreePort.Udp(RoutingFixture.Acme);
        await using (var caller = Sipp.StartClient("uac-call.xml", RoutingFixture.Acme, callerHangsUpPort, f.SipEndpoint, "00442071234567"))
        {
            var result = await caller.WaitAsync();
            result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        }
        var carrierHangsUpPort = FreePort.Udp(RoutingFixture.Acme);
        await using (var caller = Sipp.StartClient("uac-call-until-bye.xml", RoutingFixture.Acme, carrierHangsUpPort, f.SipEndpoint, "00442071234567"))
        {
            var result = await caller.WaitAsync();
            result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        }
        await carrier.ByeAnswered.WaitAsync(TimeSpan.FromSeconds(30));

        // Topology hiding: no address of the PBX's side in any header of any message the carrier got (sipp puts its
        // address in its Call-IDs, so this covers the Call-ID alias too). Only the SDP body names the PBX's media
        // address: there is no media relay (docs/decisions.md).
        var messages = carrier.Received;
        string[] kinds = ["INVITE", "ACK", "BYE", "SIP/2.0 200"];
        foreach (var kind in kinds) messages.ShouldContain(m => m.StartsWith(kind, StringComparison.Ordinal), $"the carrier got no {kind}");
        foreach (var message in messages)
        {
            var headers = message[..message.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
            headers.ShouldNotContain("127.0.0.11", customMessage: headers);
            headers.Split("\r\n").Count(l => l.StartsWith("Via:", StringComparison.OrdinalIgnoreCase)).ShouldBe(1, headers);
        }
        var invites = messages.Where(m => m.StartsWith("INVITE ", StringComparison.Ordinal)).Distinct().ToList();
        foreach (var invite in invites) invite.ShouldContain("P-Asserted-Identity: <sip:+31205550100@");
        invites.Select(RecordingCarrier.CallIdOf).Distinct().Count().ShouldBe(3, "one alias per call, shared by the challenged and the authenticated INVITE");

        var auth = invites[1].Split("\r\n").Single(l => l.StartsWith("Proxy-Authorization:", StringComparison.Ordinal));
        string Param(string name) => auth.Split(name + "=\"")[1].Split('"')[0];
        Param("username").ShouldBe(CarrierEdgeFixture.Username);
        Param("realm").ShouldBe(CarrierEdgeFixture.Realm);
        // RFC 2617 without qop: response = MD5(MD5(user:realm:password):nonce:MD5(INVITE:uri)).
        var ha1 = Md5($"{CarrierEdgeFixture.Username}:{CarrierEdgeFixture.Realm}:{CarrierEdgeFixture.Password}");
        var ha2 = Md5($"INVITE:{Param("uri")}");
        Param("response").ShouldBe(Md5($"{ha1}:n0nce42:{ha2}"));

        var busy = await f.FinalCdrFromAsync(RoutingFixture.Acme, busyPort);
        busy.Disposition.ShouldBe(CdrDispositions.Busy);
        busy.TargetId.ShouldBe("gw-b");
        busy.CallId.ShouldContain("127.0.0.11"); // the call's own records keep the PBX's Call-ID

        // Auditors match the carrier's CDRs by the alias the carrier saw, recorded on CallAnswered and the CDR.
        foreach (var (port, endedBy) in new[] { (callerHangsUpPort, "caller"), (carrierHangsUpPort, "callee") })
        {
            var cdr = await f.FinalCdrFromAsync(RoutingFixture.Acme, port, CdrDispositions.Answered);
            cdr.EndedBy.ShouldBe(endedBy);
            cdr.CalleeCallId.ShouldNotBeNull();
            invites.Select(RecordingCarrier.CallIdOf).ShouldContain(cdr.CalleeCallId);
            cdr.Id.ShouldBe(CallControl.Calls.CallStreams.Key(cdr.CallId, cdr.Id.Split(';')[^1]));
            (await f.SingleEventAsync<CallControl.Calls.CallAnswered>(cdr.Id)).CalleeCallId.ShouldBe(cdr.CalleeCallId);
        }
    }

    [Fact]
    public async Task The_gateway_password_is_never_shown_by_the_provisioning_and_route_queries()
    {
        using var http = new HttpClient { BaseAddress = new Uri(f.HttpUrl) };
        foreach (var path in new[] { "/api/provisioning", $"/api/provisioning?at={Uri.EscapeDataString(NodaTime.Text.InstantPattern.ExtendedIso.Format(f.Now))}", "/api/route?from=acme-hq&number=00442071234567" })
        {
            var response = await http.GetAsync(path);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadAsStringAsync();
            body.ShouldNotContain(CarrierEdgeFixture.Password, customMessage: path);
            if (path.StartsWith("/api/provisioning", StringComparison.Ordinal))
            {
                body.ShouldContain(CarrierEdgeFixture.Username);
                body.ShouldContain("\"password\":\"***\"");
            }
        }
        // Stored as provisioned: the controller still answers the challenge with it (the test above).
        f.App.Services.GetRequiredService<CallControl.Host.Routing.LiveRoutingTable>().Current.State.Gateways["gw-b"].Options.Credentials!.Password
            .ShouldBe(CarrierEdgeFixture.Password);
    }

    private static string Md5(string s) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(s)));
}

/// <summary>A carrier gateway on a UDP socket that records every datagram it gets. Per new dialog (in order): first
/// challenge 407 then answer the authenticated INVITE with 486; then answer 200; then answer 200 and hang up itself
/// after the ACK. Answers BYE with 200.</summary>
internal sealed class RecordingCarrier : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly List<string> _received = [];
    private readonly Dictionary<string, int> _dialogs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _handled = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _byeAnswered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RecordingCarrier(IPEndPoint endpoint)
    {
        _socket.Bind(endpoint);
        Local = endpoint;
        _loop = Task.Run(LoopAsync);
    }

    public IPEndPoint Local { get; }

    /// <summary>The 200 answering the carrier's own BYE arrived.</summary>
    public Task ByeAnswered => _byeAnswered.Task;

    public IReadOnlyList<string> Received
    {
        get { lock (_received) return _received.ToList(); }
    }

    public static string CallIdOf(string message) => Header(message, "Call-ID");

    private static string Header(string message, string name) =>
        message.Split("\r\n").First(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))[(name.Length + 1)..].Trim();

    private async Task LoopAsync()
    {
        var buffer = new byte[65535];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var text = Encoding.UTF8.GetString(buffer, 0, r.ReceivedBytes);
            lock (_received) _received.Add(text);
            if (!_handled.Add(text)) continue; // a retransmission: the answer was sent already (UDP loopback does not lose it)
            var callId = CallIdOf(text);
            if (text.StartsWith("INVITE ", StringComparison.Ordinal) && !Header(text, "To").Contains(";tag=", StringComparison.Ordinal))
            {
                if (!_dialogs.TryGetValue(callId, out var n)) _dialogs[callId] = n = _dialogs.Count + 1;
                var reply = n switch
                {
                    1 when !text.Contains("Proxy-Authorization:", StringComparison.Ordinal) => Response(text, "407 Proxy Authentication Required",
                        $"Proxy-Authenticate: Digest realm=\"{CarrierEdgeFixture.Realm}\", nonce=\"n0nce42\", algorithm=MD5\r\n"),
                    1 => Response(text, "486 Busy Here", ""),
                    _ => Response(text, "200 OK", $"Contact: <sip:gw@{Local}>\r\n", "v=0\r\no=gw 1 1 IN IP4 127.0.0.22\r\ns=-\r\nc=IN IP4 127.0.0.22\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n"),
                };
                await _socket.SendToAsync(Encoding.UTF8.GetBytes(reply), SocketFlags.None, r.RemoteEndPoint);
                if (n >= 2) lock (_invites) _invites[callId] = text;
            }
            else if (text.StartsWith("ACK ", StringComparison.Ordinal) && _dialogs.GetValueOrDefault(callId) == 3 && Header(text, "CSeq").StartsWith("1 ", StringComparison.Ordinal))
            {
                string invite;
                lock (_invites) invite = _invites[callId];
                await _socket.SendToAsync(Encoding.UTF8.GetBytes(Bye(invite)), SocketFlags.None, r.RemoteEndPoint);
            }
            else if (text.StartsWith("BYE ", StringComparison.Ordinal))
            {
                await _socket.SendToAsync(Encoding.UTF8.GetBytes(Response(text, "200 OK", "")), SocketFlags.None, r.RemoteEndPoint);
            }
            else if (text.StartsWith("SIP/2.0 200", StringComparison.Ordinal) && Header(text, "CSeq").EndsWith("BYE", StringComparison.Ordinal))
            {
                _byeAnswered.TrySetResult();
            }
        }
    }

    private readonly Dictionary<string, string> _invites = new(StringComparer.Ordinal);

    /// <summary>The carrier's BYE inside the dialog of <paramref name="invite"/> (RFC 3261 §12.1.2: route set from the
    /// Record-Route, remote target the Contact, From/To swapped).</summary>
    private string Bye(string invite)
    {
        var lines = invite[..invite.IndexOf("\r\n\r\n", StringComparison.Ordinal)].Split("\r\n");
        var routes = string.Concat(lines.Where(l => l.StartsWith("Record-Route:", StringComparison.OrdinalIgnoreCase)).Select(l => "Route:" + l["Record-Route:".Length..] + "\r\n"));
        var contact = Header(invite, "Contact").Trim('<', '>');
        return $"BYE {contact} SIP/2.0\r\nVia: SIP/2.0/UDP {Local};branch=z9hG4bK-carrier-bye\r\nMax-Forwards: 70\r\n{routes}" +
               $"From: {Header(invite, "To")};tag=carrier1\r\nTo: {Header(invite, "From")}\r\nCall-ID: {CallIdOf(invite)}\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n";
    }

    private static string Response(string request, string status, string extra, string body = "")
    {
        var lines = request[..request.IndexOf("\r\n\r\n", StringComparison.Ordinal)].Split("\r\n");
        string Lines(string name) => string.Join("\r\n", lines.Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)));
        var to = Lines("To");
        if (!to.Contains(";tag=", StringComparison.Ordinal)) to += ";tag=carrier1";
        var recordRoutes = status.StartsWith("200", StringComparison.Ordinal) && request.StartsWith("INVITE", StringComparison.Ordinal) ? Lines("Record-Route") + "\r\n" : "";
        var content = body.Length > 0 ? "Content-Type: application/sdp\r\n" : "";
        return $"SIP/2.0 {status}\r\n{Lines("Via")}\r\n{recordRoutes}{Lines("From")}\r\n{to}\r\n{Lines("Call-ID")}\r\n{Lines("CSeq")}\r\n{extra}{content}Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        finally
        {
            _socket.Dispose();
            _stop.Dispose();
        }
    }
}
