using CallControl.Sip.Message;
using CallControl.Sip.Proxy;
using CallControl.Tests.TestSupport;
using Shouldly;

namespace CallControl.Tests.Proxy;

public class ProxyCallFlowTests
{
    private sealed record EstablishedCall(SipMessage CallerInvite, SipMessage CalleeInvite, SipMessage CallerOk);

    private static async Task<EstablishedCall> EstablishAsync(ProxyTestBed bed)
    {
        bed.RouteTo(bed.Callee);
        var invite = SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch());
        await bed.Caller.SendAsync(invite, bed.Proxy);
        await bed.Caller.ExpectResponseAsync(100);

        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(atCallee, 180, "Ringing", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(180);
        await bed.Callee.RespondAsync(atCallee, 200, "OK", bed.Proxy, body: "v=0\r\n");
        var ok = await bed.Caller.ExpectResponseAsync(200);
        (await bed.Policy.WaitForAsync("Answered")).TargetIndex.ShouldBe(0);

        // ACK for the 2xx goes through the proxy by the route set (Record-Route reversed).
        var routeSet = ok.GetValues(SipHeaderId.RecordRoute).Reverse();
        var ack = SipText.InDialog("ACK", bed.Caller, ok.Contacts[0].UriText, routeSet, $"\"Alice\" <sip:alice@127.0.0.11>;tag=caller-tag",
            ok.GetFirst(SipHeaderId.To)!, bed.CallId, 1, bed.Caller.NewBranch());
        await bed.Caller.SendAsync(ack, bed.Proxy);
        await bed.Callee.ExpectRequestAsync(SipMethod.Ack);
        return new EstablishedCall(ParseText(invite), atCallee, ok);
    }

    private static SipMessage ParseText(string text)
    {
        SipParser.Parse(System.Text.Encoding.UTF8.GetBytes(text), false, SipParserOptions.Default, out var m);
        return m!;
    }

    [Fact]
    public async Task A_retransmitted_ack_for_a_2xx_goes_on_with_the_same_branch_and_a_new_ack_with_a_new_one()
    {
        // RFC 3261 §16.11: a statelessly forwarded request's branch is a function of the request. A new branch on a
        // retransmitted ACK makes the callee see a new, unexpected request (sipp then drops the call and never answers its BYE).
        await using var bed = await ProxyTestBed.StartAsync();
        var call = await EstablishAsync(bed);
        var routeSet = call.CallerOk.GetValues(SipHeaderId.RecordRoute).Reverse().ToList();
        var ackBranch = bed.Caller.NewBranch();
        var ack = SipText.InDialog("ACK", bed.Caller, call.CallerOk.Contacts[0].UriText, routeSet, "\"Alice\" <sip:alice@127.0.0.11>;tag=caller-tag",
            call.CallerOk.GetFirst(SipHeaderId.To)!, bed.CallId, 1, ackBranch);
        await bed.Caller.SendAsync(ack, bed.Proxy);
        var once = await bed.Callee.ExpectRequestAsync(SipMethod.Ack);
        await bed.Caller.SendAsync(ack, bed.Proxy);
        var again = await bed.Callee.ExpectRequestAsync(SipMethod.Ack);
        again.TopVia.Branch.ShouldBe(once.TopVia.Branch);

        var other = SipText.InDialog("ACK", bed.Caller, call.CallerOk.Contacts[0].UriText, routeSet, "\"Alice\" <sip:alice@127.0.0.11>;tag=caller-tag",
            call.CallerOk.GetFirst(SipHeaderId.To)!, bed.CallId, 1, bed.Caller.NewBranch());
        await bed.Caller.SendAsync(other, bed.Proxy);
        (await bed.Callee.ExpectRequestAsync(SipMethod.Ack)).TopVia.Branch.ShouldNotBe(once.TopVia.Branch);
    }

    [Fact]
    public async Task Call_setup_forwards_with_via_record_route_and_max_forwards_then_caller_hangs_up()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        var call = await EstablishAsync(bed);

        var atCallee = call.CalleeInvite;
        atCallee.RequestUri.ShouldBe($"sip:+31205550200@{bed.Callee.HostPort}");
        atCallee.Vias.Count.ShouldBe(2);
        atCallee.TopVia.Branch!.ShouldStartWith("z9hG4bK");
        atCallee.TopVia.Port.ShouldBe(bed.Proxy.Port);
        atCallee.Vias[1].RPort.ShouldBe(bed.Caller.EndPoint.Port);
        atCallee.Vias[1].Received.ShouldBeNull();
        atCallee.MaxForwards.ShouldBe(69);
        atCallee.RecordRoutes.Single().Text.ShouldBe($"<sip:127.0.0.1:{bed.Proxy.Port};transport=udp;lr>");
        call.CallerOk.Vias.Count.ShouldBe(1);

        var invite = bed.Policy.Invites.Single();
        invite.RequestUriUser.ShouldBe("+31205550200");
        invite.FromUser.ShouldBe("alice");
        invite.FromDisplayName.ShouldBe("Alice");
        invite.Source.ShouldBe(bed.Caller.SipEndpoint);
        invite.Body.Length.ShouldBeGreaterThan(0);

        var routeSet = call.CallerOk.GetValues(SipHeaderId.RecordRoute).Reverse();
        var bye = SipText.InDialog("BYE", bed.Caller, call.CallerOk.Contacts[0].UriText, routeSet, "<sip:alice@127.0.0.11>;tag=caller-tag",
            call.CallerOk.GetFirst(SipHeaderId.To)!, bed.CallId, 2, bed.Caller.NewBranch());
        await bed.Caller.SendAsync(bye, bed.Proxy);
        var byeAtCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Bye);
        byeAtCallee.Routes.ShouldBeEmpty();
        var ended = await bed.Policy.WaitForAsync("Ended");
        ended.Party.ShouldBe(DialogParty.Caller);
        ended.Key.ShouldBe(bed.Key);
        await bed.Callee.RespondAsync(byeAtCallee, 200, "OK", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200, SipMethod.Bye);

        bed.Policy.Events.Select(e => e.Kind).ShouldBe(["Route", "Answered", "Ended"]);
    }

    [Fact]
    public async Task Callee_hangs_up()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        var call = await EstablishAsync(bed);

        var routeSet = call.CalleeInvite.GetValues(SipHeaderId.RecordRoute);
        var bye = SipText.InDialog("BYE", bed.Callee, call.CalleeInvite.Contacts[0].UriText, routeSet,
            $"<sip:+31205550200@127.0.0.1>;tag=callee-tag", call.CalleeInvite.GetFirst(SipHeaderId.From)!, bed.CallId, 1, bed.Callee.NewBranch());
        await bed.Callee.SendAsync(bye, bed.Proxy);
        var byeAtCaller = await bed.Caller.ExpectRequestAsync(SipMethod.Bye);
        byeAtCaller.RequestUri.ShouldBe($"sip:alice@{bed.Caller.HostPort}");
        (await bed.Policy.WaitForAsync("Ended")).Party.ShouldBe(DialogParty.Callee);
        await bed.Caller.RespondAsync(byeAtCaller, 200, "OK", bed.Proxy, toTag: "caller-tag");
        await bed.Callee.ExpectResponseAsync(200, SipMethod.Bye);
        bed.Policy.Events.Count(e => e.Kind == "Ended").ShouldBe(1);
    }

    [Fact]
    public async Task Answer_is_relayed_only_after_policy_made_it_durable()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        bed.Policy.AnswerDelay = TimeSpan.FromMilliseconds(300);
        bed.RouteTo(bed.Callee);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(atCallee, 200, "OK", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200);
        bed.Policy.Events.Select(e => e.Kind).ShouldContain("Answered");
    }

    [Fact]
    public async Task Policy_rejection_answers_403_and_absorbs_the_ack()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        bed.Policy.Route = _ => new RejectInvite(403, "Forbidden");
        var text = SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch());
        await bed.Caller.SendAsync(text, bed.Proxy);
        var forbidden = await bed.Caller.ExpectResponseAsync(403);
        forbidden.To.Tag.ShouldNotBeNull();
        forbidden.ReasonPhrase.ShouldBe("Forbidden");
        var failed = await bed.Policy.WaitForAsync("Failed");
        failed.StatusCode.ShouldBe(403);
        failed.Party.ShouldBe(DialogParty.Proxy);

        await bed.Caller.SendAsync(SipText.AckNon2xx(ParseText(text), forbidden), bed.Proxy);
        // A retransmitted INVITE after the ACK is still absorbed by the (confirmed) transaction, not routed again.
        await bed.Caller.SendAsync(text, bed.Proxy);
        (await bed.Callee.NothingAsync(_ => true, TimeSpan.FromMilliseconds(200))).ShouldBeTrue();
        bed.Policy.Invites.Count.ShouldBe(1);
        bed.Server.Counters[SipCounter.StrayAcksDropped].ShouldBe(0);
    }

    [Fact]
    public async Task Cancel_before_answer_cancels_branch_and_answers_487()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        bed.RouteTo(bed.Callee);
        var text = SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch());
        await bed.Caller.SendAsync(text, bed.Proxy);
        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(atCallee, 180, "Ringing", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(180);

        await bed.Caller.SendAsync(SipText.Cancel(ParseText(text)), bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200, SipMethod.Cancel);
        var terminated = await bed.Caller.ExpectResponseAsync(487);
        terminated.To.Tag.ShouldNotBeNull();
        var failed = await bed.Policy.WaitForAsync("Failed");
        failed.StatusCode.ShouldBe(487);
        failed.Party.ShouldBe(DialogParty.Caller);

        var cancelAtCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Cancel);
        cancelAtCallee.TopVia.Branch.ShouldBe(atCallee.TopVia.Branch);
        await bed.Callee.RespondAsync(cancelAtCallee, 200, "OK", bed.Proxy);
        await bed.Callee.RespondAsync(atCallee, 487, "Request Terminated", bed.Proxy);
        var ack = await bed.Callee.ExpectRequestAsync(SipMethod.Ack);
        ack.TopVia.Branch.ShouldBe(atCallee.TopVia.Branch);
        await bed.Caller.SendAsync(SipText.AckNon2xx(ParseText(text), terminated), bed.Proxy);

        (await bed.Caller.NothingAsync(m => m.StatusCode == 487, TimeSpan.FromMilliseconds(200))).ShouldBeTrue();
        bed.Policy.Events.Count(e => e.Kind == "Failed").ShouldBe(1);
    }

    [Fact]
    public async Task Busy_callee_is_acked_hop_by_hop_and_relayed()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        bed.RouteTo(bed.Callee, bed.Callee2);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(atCallee, 486, "Busy Here", bed.Proxy);
        (await bed.Callee.ExpectRequestAsync(SipMethod.Ack)).CSeq.Method.ShouldBe(SipMethod.Ack);
        var busy = await bed.Caller.ExpectResponseAsync(486);
        busy.Vias.Count.ShouldBe(1);
        (await bed.Policy.WaitForAsync("AttemptFailed")).StatusCode.ShouldBe(486);
        var failed = await bed.Policy.WaitForAsync("Failed");
        failed.StatusCode.ShouldBe(486);
        failed.Party.ShouldBe(DialogParty.Callee);
        // 486 is not a failover reason: the second target never sees the call.
        (await bed.Callee2.NothingAsync(_ => true, TimeSpan.FromMilliseconds(100))).ShouldBeTrue();
    }

    [Fact]
    public async Task Service_unavailable_fails_over_to_the_next_target()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        bed.RouteTo(bed.Callee, bed.Callee2);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var first = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(first, 503, "Service Unavailable", bed.Proxy);
        await bed.Callee.ExpectRequestAsync(SipMethod.Ack);

        var second = await bed.Callee2.ExpectRequestAsync(SipMethod.Invite);
        second.TopVia.Branch.ShouldNotBe(first.TopVia.Branch);
        second.RequestUri.ShouldBe($"sip:+31205550200@{bed.Callee2.HostPort}");
        await bed.Callee2.RespondAsync(second, 200, "OK", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200);
        (await bed.Caller.NothingAsync(m => m.StatusCode == 503, TimeSpan.FromMilliseconds(100))).ShouldBeTrue();

        var attempt = await bed.Policy.WaitForAsync("AttemptFailed");
        attempt.TargetIndex.ShouldBe(0);
        attempt.StatusCode.ShouldBe(503);
        (await bed.Policy.WaitForAsync("Answered")).TargetIndex.ShouldBe(1);
        bed.Policy.Events.ShouldNotContain(e => e.Kind == "Failed");
    }

    [Fact]
    public async Task A_failover_target_the_policy_skips_gets_nothing_and_the_next_one_the_call()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        bed.RouteTo(bed.Callee, bed.Callee2, bed.Callee);
        bed.Policy.TryTarget = index => index != 1; // e.g. target 1 is a gateway without a free channel
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var first = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(first, 503, "Service Unavailable", bed.Proxy);
        await bed.Callee.ExpectRequestAsync(SipMethod.Ack);

        var third = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        third.TopVia.Branch.ShouldNotBe(first.TopVia.Branch);
        await bed.Callee.RespondAsync(third, 200, "OK", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200);
        (await bed.Callee2.NothingAsync(_ => true, TimeSpan.FromMilliseconds(100))).ShouldBeTrue();

        (await bed.Policy.WaitForAsync("Answered")).TargetIndex.ShouldBe(2);
        bed.Policy.Events.Where(e => e.Kind.StartsWith("Failover", StringComparison.Ordinal)).Select(e => (e.Kind, e.TargetIndex))
            .ShouldBe([("FailoverSkipped", 1), ("Failover", 2)]); // never asked about the first target
    }

    [Fact]
    public async Task A_call_the_policy_starts_at_a_later_target_never_reaches_the_earlier_ones_and_fails_over_from_there()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        // The policy passed over target 0 at admission (e.g. a gateway without a free channel) and starts at 1.
        bed.Policy.Route = invite => new ForwardInvite(new[] { bed.Callee2, bed.Callee, bed.Callee }
            .Select(t => new ForwardTarget($"sip:{invite.RequestUriUser}@{t.HostPort}", t.SipEndpoint)).ToList()) { FirstTarget = 1 };
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var first = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(first, 503, "Service Unavailable", bed.Proxy);
        await bed.Callee.ExpectRequestAsync(SipMethod.Ack);

        var next = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(next, 200, "OK", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200);
        (await bed.Callee2.NothingAsync(_ => true, TimeSpan.FromMilliseconds(100))).ShouldBeTrue();

        (await bed.Policy.WaitForAsync("Answered")).TargetIndex.ShouldBe(2);
        (await bed.Policy.WaitForAsync("AttemptFailed")).TargetIndex.ShouldBe(1);
        bed.Policy.Events.Where(e => e.Kind.StartsWith("Failover", StringComparison.Ordinal)).Select(e => (e.Kind, e.TargetIndex))
            .ShouldBe([("Failover", 2)]); // never asked about the target it started at, nor the one before it
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2)]
    public async Task A_first_target_outside_the_list_is_a_policy_error_answered_500(int firstTarget)
    {
        await using var bed = await ProxyTestBed.StartAsync();
        bed.Policy.Route = invite => new ForwardInvite(new[] { bed.Callee, bed.Callee2 }
            .Select(t => new ForwardTarget($"sip:{invite.RequestUriUser}@{t.HostPort}", t.SipEndpoint)).ToList()) { FirstTarget = firstTarget };
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);

        await bed.Caller.ExpectResponseAsync(500);
        (await bed.Policy.WaitForAsync("Failed")).StatusCode.ShouldBe(500);
        (await bed.Callee.NothingAsync(_ => true, TimeSpan.FromMilliseconds(100))).ShouldBeTrue();
    }

    [Fact]
    public async Task When_the_policy_skips_the_last_target_the_last_failure_is_relayed()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        bed.RouteTo(bed.Callee, bed.Callee2);
        bed.Policy.TryTarget = _ => false;
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var first = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(first, 503, "Service Unavailable", bed.Proxy);

        (await bed.Caller.ExpectResponseAsync(503)).ReasonPhrase.ShouldBe("Service Unavailable");
        (await bed.Callee2.NothingAsync(_ => true, TimeSpan.FromMilliseconds(100))).ShouldBeTrue();
        (await bed.Policy.WaitForAsync("Failed")).StatusCode.ShouldBe(503);
    }

    [Fact]
    public async Task Retransmitted_invite_is_absorbed_and_retransmitted_2xx_relayed()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        bed.RouteTo(bed.Callee);
        var text = SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch());
        await bed.Caller.SendAsync(text, bed.Proxy);
        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Caller.SendAsync(text, bed.Proxy);
        await bed.Caller.ExpectResponseAsync(100);
        await bed.Caller.ExpectResponseAsync(100);
        (await bed.Callee.NothingAsync(m => m.Method == SipMethod.Invite, TimeSpan.FromMilliseconds(150))).ShouldBeTrue();
        bed.Policy.Invites.Count.ShouldBe(1);

        await bed.Callee.RespondAsync(atCallee, 200, "OK", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200);
        await bed.Callee.RespondAsync(atCallee, 200, "OK", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200);
        bed.Policy.Events.Count(e => e.Kind == "Answered").ShouldBe(1);
    }

    [Fact]
    public async Task Answer_after_cancel_is_acked_and_torn_down_with_bye()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        bed.RouteTo(bed.Callee);
        var text = SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch());
        await bed.Caller.SendAsync(text, bed.Proxy);
        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(atCallee, 180, "Ringing", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(180);
        await bed.Caller.SendAsync(SipText.Cancel(ParseText(text)), bed.Proxy);
        await bed.Caller.ExpectResponseAsync(487);
        await bed.Callee.ExpectRequestAsync(SipMethod.Cancel);

        // The callee answered before it saw the CANCEL.
        await bed.Callee.RespondAsync(atCallee, 200, "OK", bed.Proxy);
        var ack = await bed.Callee.ExpectRequestAsync(SipMethod.Ack);
        ack.RequestUri.ShouldBe($"sip:callee@{bed.Callee.HostPort}");
        ack.To.Tag.ShouldBe("callee-tag");
        var bye = await bed.Callee.ExpectRequestAsync(SipMethod.Bye);
        bye.CSeq.Number.ShouldBe(atCallee.CSeq.Number + 1);
        await bed.Callee.RespondAsync(bye, 200, "OK", bed.Proxy);
        (await bed.Caller.NothingAsync(m => m.StatusCode == 200 && m.CSeq.Method == SipMethod.Invite, TimeSpan.FromMilliseconds(150))).ShouldBeTrue();
        bed.Policy.Events.Select(e => e.Kind).ShouldBe(["Route", "Failed"]);
    }

    [Fact]
    public async Task Reinvite_is_forwarded_in_dialog_and_reported()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        var call = await EstablishAsync(bed);
        var routeSet = call.CallerOk.GetValues(SipHeaderId.RecordRoute).Reverse().ToList();
        var reinvite = SipText.InDialog("INVITE", bed.Caller, call.CallerOk.Contacts[0].UriText, routeSet, "<sip:alice@127.0.0.11>;tag=caller-tag",
            call.CallerOk.GetFirst(SipHeaderId.To)!, bed.CallId, 2, bed.Caller.NewBranch());
        await bed.Caller.SendAsync(reinvite, bed.Proxy);
        await bed.Caller.ExpectResponseAsync(100);
        var atCallee = await bed.Callee.ExpectAsync(m => m.Method == SipMethod.Invite && m.CSeq.Number == 2, "re-INVITE");
        atCallee.Routes.ShouldBeEmpty();
        await bed.Callee.RespondAsync(atCallee, 200, "OK", bed.Proxy, body: "v=0\r\n");
        var ok = await bed.Caller.ExpectAsync(m => m.StatusCode == 200 && m.CSeq.Number == 2, "200 for re-INVITE");
        ok.Vias.Count.ShouldBe(1);
        bed.Policy.Events.Count(e => e.Kind == "Reinvite").ShouldBe(1);
        bed.Policy.Events.Single(e => e.Kind == "Reinvite").Party.ShouldBe(DialogParty.Caller);
    }

    [Fact]
    public async Task Cancel_before_any_provisional_is_sent_downstream_once_the_target_proceeds()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        bed.RouteTo(bed.Callee);
        var text = SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch());
        await bed.Caller.SendAsync(text, bed.Proxy);
        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Caller.SendAsync(SipText.Cancel(ParseText(text)), bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200, SipMethod.Cancel);
        await bed.Caller.ExpectResponseAsync(487);
        (await bed.Callee.NothingAsync(m => m.Method == SipMethod.Cancel, TimeSpan.FromMilliseconds(100))).ShouldBeTrue();

        // RFC 3261 §9.1: no CANCEL before a provisional; it goes as soon as one arrives.
        await bed.Callee.RespondAsync(atCallee, 100, "Trying", bed.Proxy);
        (await bed.Callee.ExpectRequestAsync(SipMethod.Cancel)).TopVia.Branch.ShouldBe(atCallee.TopVia.Branch);
    }

    [Fact]
    public async Task Cancel_of_a_reinvite_is_passed_on_and_the_487_relayed()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        var call = await EstablishAsync(bed);
        var routeSet = call.CallerOk.GetValues(SipHeaderId.RecordRoute).Reverse().ToList();
        var reinvite = SipText.InDialog("INVITE", bed.Caller, call.CallerOk.Contacts[0].UriText, routeSet, "<sip:alice@127.0.0.11>;tag=caller-tag",
            call.CallerOk.GetFirst(SipHeaderId.To)!, bed.CallId, 2, bed.Caller.NewBranch());
        await bed.Caller.SendAsync(reinvite, bed.Proxy);
        var atCallee = await bed.Callee.ExpectAsync(m => m.Method == SipMethod.Invite && m.CSeq.Number == 2, "re-INVITE");
        await bed.Callee.RespondAsync(atCallee, 180, "Ringing", bed.Proxy);
        await bed.Caller.ExpectAsync(m => m.StatusCode == 180 && m.CSeq.Number == 2, "180 for re-INVITE");

        await bed.Caller.SendAsync(SipText.Cancel(ParseText(reinvite)), bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200, SipMethod.Cancel);
        var cancel = await bed.Callee.ExpectRequestAsync(SipMethod.Cancel);
        await bed.Callee.RespondAsync(cancel, 200, "OK", bed.Proxy);
        await bed.Callee.RespondAsync(atCallee, 487, "Request Terminated", bed.Proxy);
        await bed.Caller.ExpectAsync(m => m.StatusCode == 487 && m.CSeq.Number == 2, "487 for re-INVITE");
        await bed.Callee.ExpectRequestAsync(SipMethod.Ack);
        bed.Policy.Events.ShouldNotContain(e => e.Kind == "Failed" || e.Kind == "Ended");
    }
}
