using CallControl.Tests.TestSupport;
using System.Net;
using CallControl.Calls;
using CallControl.Host.Calls;
using CallControl.Host.Sip;
using CallControl.Projections.Cdrs;
using CallControl.Sip.Proxy;
using CallControl.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace CallControl.Tests.Sip;

/// <summary>
/// sipp scenarios through the whole controller: acme-hq (127.0.0.11) calls the globex DID, globex-main
/// (127.0.0.12) is the callee. Each test uses its own free ports; the CDR says how the call ended.
/// </summary>
public sealed class SipScenarioTests(SipControllerFixture controller) : IClassFixture<SipControllerFixture>
{
    private const string GlobexDid = "+31205550200";

    private async Task<Cdr> CdrOfOnlyCallFromAsync(string source, string disposition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            await using var session = controller.Store.QuerySession();
            var cdrs = await session.Query<Cdr>().Where(c => c.Source == source).ToListAsync();
            if ((cdrs.Count == 1 && cdrs[0].Disposition == disposition) || DateTime.UtcNow > deadline)
            {
                return cdrs.ShouldHaveSingleItem();
            }

            await Task.Delay(50);
        }
    }

    private static string UdpSource(int port) => $"udp:{ControllerFixture.AcmeAddress}:{port}";

    private async Task<(SippResult Caller, SippResult Callee, int CallerPort)> RunAsync(string callerScenario, string calleeScenario,
        IDictionary<string, string>? callerReplace = null, IDictionary<string, string>? calleeReplace = null, TimeSpan? timeout = null)
    {
        await using var callee = await Sipp.StartServerAsync(calleeScenario, ControllerFixture.GlobexAddress, controller.GlobexPort, replace: calleeReplace);
        var callerPort = FreePort.Udp(ControllerFixture.AcmeAddress);
        await using var caller = Sipp.StartClient(callerScenario, ControllerFixture.AcmeAddress, callerPort, controller.SipEndpoint, GlobexDid,
            replace: callerReplace);
        var callerResult = await caller.WaitAsync(timeout);
        var calleeResult = await callee.WaitAsync(timeout);
        return (callerResult, calleeResult, callerPort);
    }

    [Fact]
    public async Task Retransmitted_invite_and_bye_are_absorbed_and_the_call_is_recorded_once()
    {
        var counters = controller.App.Services.GetRequiredService<SipService>().Server.Counters;
        var absorbedBefore = counters[SipCounter.RetransmissionsAbsorbed];
        var (caller, callee, port) = await RunAsync("uac-retransmit.xml", "uas-answer-slowly.xml");
        caller.AllCallsSucceeded.ShouldBeTrue(caller.ToString());
        callee.AllCallsSucceeded.ShouldBeTrue(callee.ToString());
        // The callee took exactly one INVITE and one BYE (-m 1, a duplicate would be unexpected); the proxy absorbed both copies.
        (counters[SipCounter.RetransmissionsAbsorbed] - absorbedBefore).ShouldBeGreaterThanOrEqualTo(2);
        var cdr = await CdrOfOnlyCallFromAsync(UdpSource(port), CdrDispositions.Answered);
        cdr.EndedBy.ShouldBe("caller");
        var events = await new CallQueries(controller.Store).ReplayAsync(cdr.CallId);
        events.Select(e => e.Type).ShouldBe(["call_received", "call_routed", "bandwidth_reserved", "call_answered", "call_ended"]);
    }

    [Fact]
    public async Task Cancel_before_answer_gives_487_and_a_cancelled_cdr()
    {
        var (caller, callee, port) = await RunAsync("uac-cancel.xml", "uas-ring-cancel.xml");
        caller.AllCallsSucceeded.ShouldBeTrue(caller.ToString());
        callee.AllCallsSucceeded.ShouldBeTrue(callee.ToString());
        var cdr = await CdrOfOnlyCallFromAsync(UdpSource(port), CdrDispositions.Cancelled);
        cdr.Disposition.ShouldBe(CdrDispositions.Cancelled);
        cdr.StatusCode.ShouldBe(487);
    }

    [Fact]
    public async Task Reinvite_in_an_established_call_is_proxied()
    {
        var (caller, callee, port) = await RunAsync("uac-reinvite.xml", "uas-reinvite.xml");
        caller.AllCallsSucceeded.ShouldBeTrue(caller.ToString());
        callee.AllCallsSucceeded.ShouldBeTrue(callee.ToString());
        (await CdrOfOnlyCallFromAsync(UdpSource(port), CdrDispositions.Answered)).EndedBy.ShouldBe("caller");
    }

    [Fact]
    public async Task Early_media_183_then_200_is_relayed()
    {
        var (caller, callee, port) = await RunAsync("uac-early-media.xml", "uas-early-media.xml");
        caller.AllCallsSucceeded.ShouldBeTrue(caller.ToString());
        callee.AllCallsSucceeded.ShouldBeTrue(callee.ToString());
        (await CdrOfOnlyCallFromAsync(UdpSource(port), CdrDispositions.Answered)).Disposition.ShouldBe(CdrDispositions.Answered);
    }

    [Theory]
    [InlineData("486 Busy Here", "486", CdrDispositions.Busy)]
    [InlineData("503 Service Unavailable", "503", CdrDispositions.Failed)]
    public async Task Callee_refusal_reaches_the_caller_and_503_is_not_retried_with_one_target(string status, string code, string disposition)
    {
        // The sipp callee takes exactly one call (-m 1): a second INVITE (a retry) would be an unexpected message.
        var (caller, callee, port) = await RunAsync("uac-ring-then-error.xml", "uas-reject.xml",
            callerReplace: new Dictionary<string, string> { ["EXPECTED_STATUS"] = code },
            calleeReplace: new Dictionary<string, string> { ["REJECT_STATUS"] = status });
        caller.AllCallsSucceeded.ShouldBeTrue(caller.ToString());
        callee.AllCallsSucceeded.ShouldBeTrue(callee.ToString());
        var cdr = await CdrOfOnlyCallFromAsync(UdpSource(port), disposition);
        cdr.StatusCode.ShouldBe(int.Parse(code, System.Globalization.CultureInfo.InvariantCulture));
        var events = await new CallQueries(controller.Store).ReplayAsync(cdr.CallId);
        events.Count(e => e.Type == "call_attempt_failed").ShouldBeLessThanOrEqualTo(1);
    }

    [Fact]
    public async Task Callee_that_never_answers_is_cancelled_after_timer_c_and_the_caller_gets_408()
    {
        var (caller, callee, port) = await RunAsync("uac-ring-then-error.xml", "uas-ring-cancel.xml",
            callerReplace: new Dictionary<string, string> { ["EXPECTED_STATUS"] = "408" });
        caller.AllCallsSucceeded.ShouldBeTrue(caller.ToString());
        callee.AllCallsSucceeded.ShouldBeTrue(callee.ToString());
        var cdr = await CdrOfOnlyCallFromAsync(UdpSource(port), CdrDispositions.NoAnswer);
        cdr.StatusCode.ShouldBe(408);
    }

    [Fact]
    public async Task Tcp_caller_reaches_a_udp_callee_through_two_record_routes()
    {
        var tcp = controller.SipTcpEndpoint.ShouldNotBeNull();
        await using var callee = await Sipp.StartServerAsync("uas-answer-two-record-routes.xml", ControllerFixture.GlobexAddress, controller.GlobexPort);
        var callerPort = FreePort.Tcp(ControllerFixture.AcmeAddress);
        await using var caller = Sipp.StartClient("uac-call.xml", ControllerFixture.AcmeAddress, callerPort, tcp, GlobexDid, transport: "t1");
        var callerResult = await caller.WaitAsync();
        callerResult.AllCallsSucceeded.ShouldBeTrue(callerResult.ToString());
        var calleeResult = await callee.WaitAsync();
        calleeResult.AllCallsSucceeded.ShouldBeTrue(calleeResult.ToString());
        await using var session = controller.Store.QuerySession();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        List<Cdr> cdrs;
        do
        {
            cdrs = (await session.Query<Cdr>().Where(c => c.Source.StartsWith($"tcp:{ControllerFixture.AcmeAddress}:")).ToListAsync())
                .Where(c => c.Disposition == CdrDispositions.Answered).ToList();
            if (cdrs.Count > 0) break;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        cdrs.ShouldNotBeEmpty();
    }

    [Fact]
    public async Task Tls_caller_places_a_call_to_a_udp_callee()
    {
        var tls = controller.SipTlsEndpoint.ShouldNotBeNull();
        await using var callee = await Sipp.StartServerAsync("uas-answer.xml", ControllerFixture.GlobexAddress, controller.GlobexPort);
        await using var caller = await TlsTestClient.ConnectAsync(ControllerFixture.AcmeAddress.ToString(),
            new CallControl.Sip.Proxy.SipEndpoint(tls.Address, tls.Port, CallControl.Sip.Proxy.SipTransport.Tls));
        var callId = $"tls-{Guid.NewGuid():N}@test";
        var target = $"sip:{GlobexDid}@{tls.Address}:{tls.Port}";
        var from = $"\"Alice\" <sip:100@{caller.HostPort}>;tag=tls-caller";
        const string sdp = "v=0\r\no=alice 1 1 IN IP4 127.0.0.11\r\ns=-\r\nc=IN IP4 127.0.0.11\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n";
        await caller.SendAsync(
            $"INVITE {target} SIP/2.0\r\nVia: SIP/2.0/TLS {caller.HostPort};branch=z9hG4bK-tls-1;rport\r\nMax-Forwards: 70\r\n" +
            $"From: {from}\r\nTo: <{target}>\r\nCall-ID: {callId}\r\nCSeq: 1 INVITE\r\n" +
            $"Contact: <sip:100@{caller.HostPort};transport=tls>\r\nContent-Type: application/sdp\r\nContent-Length: {sdp.Length}\r\n\r\n{sdp}");
        var ok = await caller.ExpectAsync(m => m.StatusCode == 200, "200 OK over TLS", TimeSpan.FromSeconds(10));
        ok.TopVia.Transport.ShouldBe("TLS");
        var routes = ok.GetValues(CallControl.Sip.Message.SipHeaderId.RecordRoute).Reverse().ToList();
        routes[0].ShouldContain("transport=tls");
        var routeLines = string.Concat(routes.Select(r => $"Route: {r}\r\n"));
        var contact = ok.Contacts[0].UriText;
        var to = ok.GetFirst(CallControl.Sip.Message.SipHeaderId.To);
        await caller.SendAsync($"ACK {contact} SIP/2.0\r\nVia: SIP/2.0/TLS {caller.HostPort};branch=z9hG4bK-tls-2;rport\r\nMax-Forwards: 70\r\n{routeLines}" +
                               $"From: {from}\r\nTo: {to}\r\nCall-ID: {callId}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n");
        await Task.Delay(200);
        await caller.SendAsync($"BYE {contact} SIP/2.0\r\nVia: SIP/2.0/TLS {caller.HostPort};branch=z9hG4bK-tls-3;rport\r\nMax-Forwards: 70\r\n{routeLines}" +
                               $"From: {from}\r\nTo: {to}\r\nCall-ID: {callId}\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n");
        await caller.ExpectAsync(m => m.StatusCode == 200 && m.CSeq.Method == CallControl.Sip.Message.SipMethod.Bye, "200 for BYE", TimeSpan.FromSeconds(10));
        var calleeResult = await callee.WaitAsync();
        calleeResult.AllCallsSucceeded.ShouldBeTrue(calleeResult.ToString());
        var cdr = await CdrOfOnlyCallFromAsync($"tls:{ControllerFixture.AcmeAddress}:{caller.EndPoint.Port}", CdrDispositions.Answered);
        cdr.EndedBy.ShouldBe("caller");
    }
}
