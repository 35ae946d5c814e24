using System.Text;
using CallControl.Sip.Message;
using CallControl.Sip.Proxy;
using CallControl.Tests.TestSupport;
using Shouldly;

namespace CallControl.Tests.Proxy;

/// <summary>Topology hiding replaces the caller's Call-ID (which names the PBX's host) on the carrier's leg by an alias
/// the proxy generates; every message of the dialog is translated both ways, and the alias is forgotten with the call.
/// Timers run on a fake clock so that "the alias table is empty afterwards" can be awaited without real waits.</summary>
public class CallIdAliasTests
{
    private static readonly TimeSpan SixtyFourT1 = TimeSpan.FromSeconds(32);

    private static async Task<(ProxyTestBed Bed, ManualSipScheduler Scheduler)> StartAsync(params Func<ProxyTestBed, TestUserAgent>[] targets)
    {
        var scheduler = new ManualSipScheduler();
        var bed = await ProxyTestBed.StartAsync(scheduler, clock: scheduler.Clock);
        bed.Policy.Route = invite => new ForwardInvite(targets.Select(t => t(bed))
            .Select(t => new ForwardTarget($"sip:{invite.RequestUriUser}@{t.HostPort}", t.SipEndpoint) { HideTopology = true }).ToList());
        return (bed, scheduler);
    }

    private static void ShouldBeAlias(string alias, ProxyTestBed bed)
    {
        alias.ShouldNotBe(bed.CallId);
        alias.ShouldNotContain("@");
        alias.ShouldNotContain("127.0.0");
        alias.ShouldNotContain("test");
        alias.Length.ShouldBeGreaterThanOrEqualTo(20);
    }

    /// <summary>Lets every transaction of the call run out (Timer J/K/L/D) and checks nothing of it is left.</summary>
    private static async Task CallStateShouldBeGoneAsync(ProxyTestBed bed, ManualSipScheduler scheduler)
    {
        for (var i = 0; i < 3; i++)
        {
            scheduler.Advance(SixtyFourT1);
        }

        await ProxyTestBed.EventuallyAsync(() => bed.Server.ActiveCallCount == 0 && bed.Server.CallIdAliasCount == 0,
            $"call state released (calls {bed.Server.ActiveCallCount}, aliases {bed.Server.CallIdAliasCount})");
    }

    private static string InDialogFrom(TestUserAgent sender, SipMessage dialogRequest, string method, uint cseq, string branch) =>
        // The callee's requests swap From/To of what it received; its Request-URI is the proxy's Contact.
        SipText.InDialog(method, sender, dialogRequest.Contacts[0].UriText, dialogRequest.GetValues(SipHeaderId.RecordRoute),
            dialogRequest.GetFirst(SipHeaderId.To) + ";tag=callee-tag", dialogRequest.GetFirst(SipHeaderId.From)!, dialogRequest.CallId, cseq, branch);

    [Fact]
    public async Task Carrier_sees_an_alias_in_every_message_and_its_requests_reach_the_caller_with_the_callers_call_id()
    {
        var (bed, scheduler) = await StartAsync(b => b.Callee);
        await using var _ = bed;
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var atCarrier = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        var alias = atCarrier.CallId;
        ShouldBeAlias(alias, bed);
        bed.Server.CallIdAliasCount.ShouldBe(1);

        await bed.Callee.RespondAsync(atCarrier, 180, "Ringing", bed.Proxy);
        (await bed.Caller.ExpectResponseAsync(180)).CallId.ShouldBe(bed.CallId);
        await bed.Callee.RespondAsync(atCarrier, 200, "OK", bed.Proxy, body: "v=0\r\n");
        var ok = await bed.Caller.ExpectResponseAsync(200);
        ok.CallId.ShouldBe(bed.CallId);
        bed.Policy.AnsweredCalleeCallIds.ShouldBe([alias]);

        // ACK of the 2xx and a re-INVITE from the caller: the alias toward the carrier.
        var routeSet = ok.GetValues(SipHeaderId.RecordRoute).Reverse().ToList();
        var callerFrom = ok.GetFirst(SipHeaderId.From)!;
        await bed.Caller.SendAsync(SipText.InDialog("ACK", bed.Caller, ok.Contacts[0].UriText, routeSet, callerFrom, ok.GetFirst(SipHeaderId.To)!,
            bed.CallId, 1, bed.Caller.NewBranch()), bed.Proxy);
        (await bed.Callee.ExpectRequestAsync(SipMethod.Ack)).CallId.ShouldBe(alias);
        await bed.Caller.SendAsync(SipText.InDialog("INVITE", bed.Caller, ok.Contacts[0].UriText, routeSet, callerFrom, ok.GetFirst(SipHeaderId.To)!,
            bed.CallId, 2, bed.Caller.NewBranch()), bed.Proxy);
        var reinvite = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        reinvite.CallId.ShouldBe(alias);
        (await bed.Caller.ExpectResponseAsync(100)).CallId.ShouldBe(bed.CallId);
        await bed.Callee.RespondAsync(reinvite, 200, "OK", bed.Proxy);
        (await bed.Caller.ExpectResponseAsync(200)).CallId.ShouldBe(bed.CallId);
        await bed.Caller.SendAsync(SipText.InDialog("ACK", bed.Caller, ok.Contacts[0].UriText, routeSet, callerFrom, ok.GetFirst(SipHeaderId.To)!,
            bed.CallId, 2, bed.Caller.NewBranch()), bed.Proxy);
        (await bed.Callee.ExpectRequestAsync(SipMethod.Ack)).CallId.ShouldBe(alias);

        // INFO from the carrier, with the alias, is found and reaches the caller with the caller's Call-ID; the answer goes back aliased.
        await bed.Callee.SendAsync(InDialogFrom(bed.Callee, atCarrier, "INFO", 1, bed.Callee.NewBranch()), bed.Proxy);
        var info = await bed.Caller.ExpectRequestAsync(SipMethod.Info);
        info.CallId.ShouldBe(bed.CallId);
        await bed.Caller.SendAsync(SipMessageBuilder.ResponseTo(info, 200, "OK", null).ToArray(), bed.Proxy);
        (await bed.Callee.ExpectResponseAsync(200, SipMethod.Info)).CallId.ShouldBe(alias);

        // The carrier hangs up.
        var byeBranch = bed.Callee.NewBranch();
        await bed.Callee.SendAsync(InDialogFrom(bed.Callee, atCarrier, "BYE", 2, byeBranch), bed.Proxy);
        var bye = await bed.Caller.ExpectRequestAsync(SipMethod.Bye);
        bye.CallId.ShouldBe(bed.CallId);
        (await bed.Policy.WaitForAsync("Ended")).Party.ShouldBe(DialogParty.Callee);
        await bed.Caller.SendAsync(SipMessageBuilder.ResponseTo(bye, 200, "OK", null).ToArray(), bed.Proxy);
        var byeOk = await bed.Callee.ExpectResponseAsync(200, SipMethod.Bye);
        byeOk.CallId.ShouldBe(alias);
        Encoding.UTF8.GetString(byeOk.Raw.Span).ShouldNotContain(bed.CallId);

        await CallStateShouldBeGoneAsync(bed, scheduler);

        // A late request with a forgotten alias is refused with that alias.
        await bed.Callee.SendAsync(InDialogFrom(bed.Callee, atCarrier, "BYE", 3, bed.Callee.NewBranch()), bed.Proxy);
        // (It names the proxy in its Route, so it is refused as unroutable: 503 rather than 481.)
        var late = await bed.Callee.ExpectAsync(m => !m.IsRequest && m.StatusCode >= 400 && m.CSeq.Method == SipMethod.Bye, "refusal of the late BYE");
        late.CallId.ShouldBe(alias);
        await CallStateShouldBeGoneAsync(bed, scheduler);
    }

    [Fact]
    public async Task Cancel_and_the_ack_of_the_487_use_the_alias_and_the_caller_gets_its_own_call_id()
    {
        var (bed, scheduler) = await StartAsync(b => b.Callee);
        await using var _ = bed;
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var atCarrier = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        var alias = atCarrier.CallId;
        ShouldBeAlias(alias, bed);
        await bed.Callee.RespondAsync(atCarrier, 180, "Ringing", bed.Proxy);
        var ringing = await bed.Caller.ExpectResponseAsync(180);

        SipParser.Parse(Encoding.UTF8.GetBytes(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, ringing.TopVia.Branch!)), false, SipParserOptions.Default,
            out var callerInvite);
        await bed.Caller.SendAsync(SipText.Cancel(callerInvite!), bed.Proxy);
        (await bed.Caller.ExpectResponseAsync(200, SipMethod.Cancel)).CallId.ShouldBe(bed.CallId);
        var cancel = await bed.Callee.ExpectRequestAsync(SipMethod.Cancel);
        cancel.CallId.ShouldBe(alias);
        await bed.Callee.SendAsync(SipMessageBuilder.ResponseTo(cancel, 200, "OK", "callee-tag").ToArray(), bed.Proxy);
        await bed.Callee.RespondAsync(atCarrier, 487, "Request Terminated", bed.Proxy);
        var ack = await bed.Callee.ExpectRequestAsync(SipMethod.Ack);
        ack.CallId.ShouldBe(alias);
        var terminated = await bed.Caller.ExpectResponseAsync(487);
        terminated.CallId.ShouldBe(bed.CallId);
        await bed.Caller.SendAsync(SipText.AckNon2xx(callerInvite!, terminated), bed.Proxy);

        await CallStateShouldBeGoneAsync(bed, scheduler);
    }

    [Fact]
    public async Task Failover_keeps_one_alias_per_call_for_every_attempt_and_a_bye_from_the_caller_uses_it()
    {
        var (bed, scheduler) = await StartAsync(b => b.Callee, b => b.Callee2);
        await using var _ = bed;
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var first = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        var alias = first.CallId;
        ShouldBeAlias(alias, bed);
        await bed.Callee.RespondAsync(first, 503, "Service Unavailable", bed.Proxy);
        (await bed.Callee.ExpectRequestAsync(SipMethod.Ack)).CallId.ShouldBe(alias);

        var second = await bed.Callee2.ExpectRequestAsync(SipMethod.Invite);
        second.CallId.ShouldBe(alias);
        bed.Server.CallIdAliasCount.ShouldBe(1);
        await bed.Callee2.RespondAsync(second, 200, "OK", bed.Proxy);
        var ok = await bed.Caller.ExpectResponseAsync(200);
        ok.CallId.ShouldBe(bed.CallId);
        (await bed.Policy.WaitForAsync("Answered")).TargetIndex.ShouldBe(1);

        var routeSet = ok.GetValues(SipHeaderId.RecordRoute).Reverse().ToList();
        await bed.Caller.SendAsync(SipText.InDialog("BYE", bed.Caller, ok.Contacts[0].UriText, routeSet, ok.GetFirst(SipHeaderId.From)!,
            ok.GetFirst(SipHeaderId.To)!, bed.CallId, 2, bed.Caller.NewBranch()), bed.Proxy);
        var bye = await bed.Callee2.ExpectRequestAsync(SipMethod.Bye);
        bye.CallId.ShouldBe(alias);
        await bed.Callee2.RespondAsync(bye, 200, "OK", bed.Proxy);
        (await bed.Caller.ExpectResponseAsync(200, SipMethod.Bye)).CallId.ShouldBe(bed.CallId);

        await CallStateShouldBeGoneAsync(bed, scheduler);
    }

    [Fact]
    public async Task Targets_without_topology_hiding_see_the_callers_call_id_and_no_alias_is_kept()
    {
        var scheduler = new ManualSipScheduler();
        await using var bed = await ProxyTestBed.StartAsync(scheduler, clock: scheduler.Clock);
        bed.RouteTo(bed.Callee);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        atCallee.CallId.ShouldBe(bed.CallId);
        bed.Server.CallIdAliasCount.ShouldBe(0);
        await bed.Callee.RespondAsync(atCallee, 200, "OK", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200);
        bed.Policy.AnsweredCalleeCallIds.ShouldBe([bed.CallId]);
    }
}
