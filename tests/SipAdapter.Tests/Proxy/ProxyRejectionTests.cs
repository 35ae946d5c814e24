using CallControl.Sip.Message;
using CallControl.Sip.Proxy;
using CallControl.Tests.TestSupport;
using Shouldly;

namespace CallControl.Tests.Proxy;

public class ProxyRejectionTests
{
    [Fact]
    public async Task Max_forwards_zero_gets_483()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        bed.RouteTo(bed.Callee);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch(), maxForwards: 0), bed.Proxy);
        (await bed.Caller.ExpectResponseAsync(483)).ReasonPhrase.ShouldBe("Too Many Hops");
        bed.Policy.Invites.ShouldBeEmpty();
        bed.Server.Counters[SipCounter.TooManyHops].ShouldBe(1);
    }

    [Fact]
    public async Task Options_to_the_proxy_is_answered_200()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        var options = $"OPTIONS sip:{bed.Proxy.Address}:{bed.Proxy.Port} SIP/2.0\r\n" +
                      $"Via: SIP/2.0/UDP {bed.Caller.HostPort};branch={bed.Caller.NewBranch()}\r\n" +
                      "Max-Forwards: 70\r\nFrom: <sip:ping@127.0.0.11>;tag=p1\r\nTo: <sip:127.0.0.1>\r\n" +
                      $"Call-ID: {bed.CallId}\r\nCSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        await bed.Caller.SendAsync(options, bed.Proxy);
        var ok = await bed.Caller.ExpectResponseAsync(200, SipMethod.Options);
        ok.GetFirst(SipHeaderId.Allow)!.ShouldContain("INVITE");
        ok.GetFirst(SipHeaderId.Accept).ShouldBe("application/sdp");
        ok.To.Tag.ShouldNotBeNull();
    }

    [Fact]
    public async Task Loop_back_to_the_proxy_is_detected()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        bed.Policy.Route = invite => new ForwardInvite([new ForwardTarget(invite.RequestUri, bed.Proxy)]);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        (await bed.Caller.ExpectResponseAsync(482)).ReasonPhrase.ShouldBe("Loop Detected");
        bed.Server.Counters[SipCounter.LoopsDetected].ShouldBeGreaterThanOrEqualTo(1);
    }

    [Theory]
    [InlineData("Content-Length: ", "Content-Length: abc\r\nX-Old: ", 400, "Bad Content-Length")]
    [InlineData("Max-Forwards: 70\r\n", "Max-Forwards: 70\r\nProxy-Require: foo, bar\r\n", 420, "Bad Extension")]
    [InlineData("INVITE sip:+31205550200@", "INVITE http://x/?+31205550200@", 416, "Unsupported URI Scheme")]
    [InlineData("INVITE sip:", "FROB sip:", 501, "Not Implemented")]
    [InlineData("INVITE sip:", "SUBSCRIBE sip:", 405, "Method Not Allowed")]
    [InlineData("From: \"Alice\" <sip:alice@127.0.0.11>;tag=caller-tag", "From: \"Alice <sip:alice", 400, "Bad From")]
    public async Task Bad_requests_are_answered_with_a_reason(string find, string replace, int status, string reason)
    {
        await using var bed = await ProxyTestBed.StartAsync();
        bed.RouteTo(bed.Callee);
        var text = SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()).Replace(find, replace);
        if (replace.StartsWith("FROB", StringComparison.Ordinal) || replace.StartsWith("SUBSCRIBE", StringComparison.Ordinal))
        {
            text = text.Replace(" INVITE\r\n", replace.StartsWith("FROB", StringComparison.Ordinal) ? " FROB\r\n" : " SUBSCRIBE\r\n");
        }

        await bed.Caller.SendAsync(text, bed.Proxy);
        var response = await bed.Caller.ExpectAsync(m => !m.IsRequest && m.StatusCode == status, $"{status}");
        response.ReasonPhrase.ShouldBe(reason);
        if (status == 420)
        {
            response.GetFirst(SipHeaderId.Unsupported).ShouldBe("foo, bar");
        }

        bed.Policy.Invites.ShouldBeEmpty();
    }

    [Fact]
    public async Task Garbage_does_not_stop_the_receive_loop()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        await bed.Caller.SendAsync(new byte[] { 0, 1, 2, 255, 13, 10, 13, 10 }, bed.Proxy);
        await bed.Caller.SendAsync("SIP/2.0 200 OK\r\nVia: nonsense\r\n\r\n", bed.Proxy);
        await bed.Caller.SendAsync("\r\n\r\n", bed.Proxy);
        var options = $"OPTIONS sip:{bed.Proxy.Address}:{bed.Proxy.Port} SIP/2.0\r\n" +
                      $"Via: SIP/2.0/UDP {bed.Caller.HostPort};branch={bed.Caller.NewBranch()}\r\n" +
                      "From: <sip:ping@127.0.0.11>;tag=p1\r\nTo: <sip:127.0.0.1>\r\n" +
                      $"Call-ID: {bed.CallId}\r\nCSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        await bed.Caller.SendAsync(options, bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200, SipMethod.Options);
        bed.Server.Counters[SipCounter.MalformedResponsesDropped].ShouldBe(1);
        bed.Server.Counters[SipCounter.MalformedRequests].ShouldBe(1);
    }

    [Fact]
    public async Task Cancel_and_bye_without_state_get_481()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        var invite = SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch());
        SipParser.Parse(System.Text.Encoding.UTF8.GetBytes(invite), false, SipParserOptions.Default, out var parsed);
        await bed.Caller.SendAsync(SipText.Cancel(parsed!), bed.Proxy);
        (await bed.Caller.ExpectResponseAsync(481, SipMethod.Cancel)).ReasonPhrase.ShouldBe("Call/Transaction Does Not Exist");

        var bye = SipText.InDialog("BYE", bed.Caller, $"sip:{bed.Proxy.Address}:{bed.Proxy.Port}", [], "<sip:alice@127.0.0.11>;tag=a",
            "<sip:bob@127.0.0.1>;tag=b", bed.CallId, 5, bed.Caller.NewBranch());
        await bed.Caller.SendAsync(bye, bed.Proxy);
        await bed.Caller.ExpectResponseAsync(481, SipMethod.Bye);
        bed.Server.Counters[SipCounter.TransactionDoesNotExist].ShouldBe(2);
    }

    [Fact]
    public async Task Early_dialog_update_is_loose_routed_to_the_callee()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        bed.RouteTo(bed.Callee);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(atCallee, 183, "Session Progress", bed.Proxy);
        var progress = await bed.Caller.ExpectResponseAsync(183);

        var update = SipText.InDialog("UPDATE", bed.Caller, progress.Contacts[0].UriText, progress.GetValues(SipHeaderId.RecordRoute).Reverse(),
            "<sip:alice@127.0.0.11>;tag=caller-tag", progress.GetFirst(SipHeaderId.To)!, bed.CallId, 2, bed.Caller.NewBranch());
        await bed.Caller.SendAsync(update, bed.Proxy);
        var atCalleeUpdate = await bed.Callee.ExpectRequestAsync(SipMethod.Update);
        atCalleeUpdate.Routes.ShouldBeEmpty();
        atCalleeUpdate.MaxForwards.ShouldBe(69);
        await bed.Callee.RespondAsync(atCalleeUpdate, 200, "OK", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200, SipMethod.Update);
        bed.Policy.Events.ShouldNotContain(e => e.Kind == "Answered");
    }

    [Fact]
    public async Task Rejection_carries_the_policys_reason_header()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        bed.Policy.Route = _ => new RejectInvite(486, "Busy Here") { Reason = "Q.850;cause=17;text=\"Limit reached\"" };
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var response = await bed.Caller.ExpectResponseAsync(486);
        var reasons = Enumerable.Range(0, response.HeaderCount).Where(i => response.GetHeaderName(i) == "Reason").Select(response.GetHeaderValue).ToList();
        reasons.ShouldBe(["Q.850;cause=17;text=\"Limit reached\""]);
    }

    [Fact]
    public async Task Rejection_carries_retry_after_and_a_throwing_policy_gives_500()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        bed.Policy.Route = _ => new RejectInvite(503, "Service Unavailable", TimeSpan.FromSeconds(30));
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        (await bed.Caller.ExpectResponseAsync(503)).GetFirst(SipHeaderId.RetryAfter).ShouldBe("30");

        bed.Policy.Route = _ => throw new InvalidOperationException("store down");
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId + "-2", bed.Caller.NewBranch()), bed.Proxy);
        (await bed.Caller.ExpectResponseAsync(500)).ReasonPhrase.ShouldBe("Server Internal Error");
        await ProxyTestBed.EventuallyAsync(() => bed.Policy.Events.Count(e => e.Kind == "Failed") == 2, "both failures reported");
        bed.Policy.Events.Last().StatusCode.ShouldBe(500);
        bed.Server.Counters[SipCounter.PolicyErrors].ShouldBe(1);
    }
}
