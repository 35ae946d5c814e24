using CallControl.Sip.Message;
using CallControl.Sip.Proxy;
using CallControl.Tests.TestSupport;
using Shouldly;

namespace CallControl.Tests.Proxy;

/// <summary>Dialog keep-alive (<c>SipServerOptions.DialogPingInterval</c>), driven by the fake clock: in-dialog OPTIONS
/// to both parties; a party that answers keeps the dialog, one that answers 481 or stops answering ends it with BYE
/// to both parties and one OnEndedAsync; ping answers are never relayed and stop with the dialog.</summary>
public class DialogPingTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan TimerF = TimeSpan.FromSeconds(32); // 64 * T1 (500 ms)

    [Fact]
    public async Task Parties_that_answer_keep_the_dialog_and_ping_answers_are_not_relayed()
    {
        var scheduler = new ManualSipScheduler();
        await using var bed = await StartAsync(scheduler);
        var ok = await EstablishAsync(bed);

        for (var round = 1; round <= 3; round++)
        {
            await scheduler.WaitForTimerAsync(Interval);
            scheduler.Advance(Interval);
            var atCallee = await ExpectPingAsync(bed.Callee);
            atCallee.RequestUri.ShouldBe($"sip:callee@{bed.Callee.HostPort}");
            atCallee.From.Tag.ShouldBe("caller-tag");
            atCallee.To.Tag.ShouldBe("callee-tag");
            atCallee.CallId.ShouldBe(bed.CallId);
            atCallee.CSeq.Number.ShouldBe(1u, "the CSeq of the last request the callee got (the INVITE): never above it");
            atCallee.TopVia.Host.ShouldBe(bed.Proxy.Address.ToString());

            var atCaller = await ExpectPingAsync(bed.Caller);
            atCaller.RequestUri.ShouldBe($"sip:alice@{bed.Caller.HostPort}");
            atCaller.From.Tag.ShouldBe("callee-tag");
            atCaller.To.Tag.ShouldBe("caller-tag");
            atCaller.CSeq.Number.ShouldBe(0u, "the callee sent no request yet: nothing the caller saw may be overtaken");

            // An answer is an answer: 200 from the callee, 405 from the caller both mean "alive".
            await bed.Callee.RespondAsync(atCallee, 200, "OK", bed.Proxy);
            await bed.Caller.RespondAsync(atCaller, 405, "Method Not Allowed", bed.Proxy, toTag: "caller-tag");
            await AnsweredAsync(bed, 2 * round);
            (await bed.Caller.NothingAsync(m => !m.IsRequest && m.CSeq.Method == SipMethod.Options, TimeSpan.FromMilliseconds(300)))
                .ShouldBeTrue("the callee's answer to a ping is not relayed to the caller");
            (await bed.Callee.NothingAsync(m => !m.IsRequest && m.CSeq.Method == SipMethod.Options, TimeSpan.FromMilliseconds(100)))
                .ShouldBeTrue("the caller's answer to a ping is not relayed to the callee");
        }

        bed.Policy.Events.Select(e => e.Kind).ShouldBe(["Route", "Answered"]);
        bed.Server.Counters[SipCounter.DialogPingsSent].ShouldBe(6);
        bed.Server.Counters[SipCounter.DialogPingFailures].ShouldBe(0);

        // The caller hangs up: the pings stop with the dialog and nothing stays behind.
        await HangUpAsync(bed, ok, cseq: 2);
        await AllGoneAsync(bed, scheduler);
        bed.Server.Counters[SipCounter.DialogPingsSent].ShouldBe(6);
        (await bed.Callee.NothingAsync(m => m.IsRequest && m.Method == SipMethod.Options, TimeSpan.FromMilliseconds(200))).ShouldBeTrue();
    }

    [Fact]
    public async Task Ping_cseq_follows_the_requests_each_party_has_seen()
    {
        var scheduler = new ManualSipScheduler();
        await using var bed = await StartAsync(scheduler);
        var ok = await EstablishAsync(bed);

        // The caller re-INVITEs with CSeq 7, the callee sends an INFO with CSeq 40.
        var routeSet = ok.GetValues(SipHeaderId.RecordRoute);
        await bed.Caller.SendAsync(SipText.InDialog("INFO", bed.Caller, ok.Contacts[0].UriText, routeSet, CallerFrom(bed), ok.GetFirst(SipHeaderId.To)!,
            bed.CallId, 7, bed.Caller.NewBranch()), bed.Proxy);
        var info = await bed.Callee.ExpectRequestAsync(SipMethod.Info);
        await bed.Callee.RespondAsync(info, 200, "OK", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200, SipMethod.Info);
        await bed.Callee.SendAsync(SipText.InDialog("INFO", bed.Callee, $"sip:alice@{bed.Caller.HostPort}", routeSet,
            $"<sip:+31205550200@{bed.Proxy.Address}>;tag=callee-tag", CallerFrom(bed), bed.CallId, 40, bed.Callee.NewBranch()), bed.Proxy);
        var infoAtCaller = await bed.Caller.ExpectRequestAsync(SipMethod.Info);
        await bed.Caller.RespondAsync(infoAtCaller, 200, "OK", bed.Proxy, toTag: "caller-tag");
        await bed.Callee.ExpectResponseAsync(200, SipMethod.Info);

        await scheduler.WaitForTimerAsync(Interval);
        scheduler.Advance(Interval);
        (await ExpectPingAsync(bed.Callee)).CSeq.Number.ShouldBe(7u);
        (await ExpectPingAsync(bed.Caller)).CSeq.Number.ShouldBe(40u);
    }

    [Fact]
    public async Task A_481_ends_the_dialog_at_once_with_bye_to_both_parties_and_one_report()
    {
        var scheduler = new ManualSipScheduler();
        await using var bed = await StartAsync(scheduler);
        await EstablishAsync(bed);

        await scheduler.WaitForTimerAsync(Interval);
        scheduler.Advance(Interval);
        var atCallee = await ExpectPingAsync(bed.Callee);
        var atCaller = await ExpectPingAsync(bed.Caller);
        await bed.Callee.RespondAsync(atCallee, 481, "Call/Transaction Does Not Exist", bed.Proxy);

        var ended = await bed.Policy.WaitForAsync("Ended");
        ended.Party.ShouldBe(DialogParty.Proxy);
        ended.Reason.ShouldBe("dialog dead: callee answered OPTIONS with 481: it does not know the dialog");
        var byeToCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Bye);
        byeToCallee.From.Tag.ShouldBe("caller-tag");
        byeToCallee.CSeq.Number.ShouldBe(2u);
        var byeToCaller = await bed.Caller.ExpectRequestAsync(SipMethod.Bye);
        byeToCaller.From.Tag.ShouldBe("callee-tag");
        byeToCaller.CSeq.Number.ShouldBe(1u);

        // The caller's late ping answer and the BYE answers change nothing.
        await bed.Caller.RespondAsync(atCaller, 200, "OK", bed.Proxy, toTag: "caller-tag");
        await bed.Callee.RespondAsync(byeToCallee, 200, "OK", bed.Proxy);
        await bed.Caller.RespondAsync(byeToCaller, 200, "OK", bed.Proxy, toTag: "caller-tag");
        await AllGoneAsync(bed, scheduler);
        bed.Policy.Events.Select(e => e.Kind).ShouldBe(["Route", "Answered", "Ended"]);
        bed.Server.Counters[SipCounter.DeadDialogsEnded].ShouldBe(1);
    }

    [Fact]
    public async Task A_party_that_stops_answering_ends_the_dialog_after_the_failure_limit()
    {
        var scheduler = new ManualSipScheduler();
        await using var bed = await StartAsync(scheduler);
        await EstablishAsync(bed);

        // Round 1: the caller answers, the callee is silent until Timer F: one failure (limit 2), the call stays.
        await scheduler.WaitForTimerAsync(Interval);
        scheduler.Advance(Interval);
        var first = await ExpectPingAsync(bed.Callee);
        await bed.Caller.RespondAsync(await ExpectPingAsync(bed.Caller), 200, "OK", bed.Proxy, toTag: "caller-tag");
        await AnsweredAsync(bed, 1);
        await scheduler.WaitForTimerAsync(TimerF);
        scheduler.Advance(TimerF);
        await ProxyTestBed.EventuallyAsync(() => bed.Server.Counters[SipCounter.DialogPingFailures] == 1, "first ping failure counted");
        bed.Policy.Events.Count(e => e.Kind == "Ended").ShouldBe(0);

        // Round 2 (60 s after round 1): silent again: the second failure in a row ends the dialog.
        scheduler.Advance(Interval - TimerF);
        var second = await bed.Callee.ExpectAsync(m => m.IsRequest && m.Method == SipMethod.Options && m.TopVia.Branch != first.TopVia.Branch, "a second ping");
        await bed.Caller.RespondAsync(await ExpectPingAsync(bed.Caller), 200, "OK", bed.Proxy, toTag: "caller-tag");
        await AnsweredAsync(bed, 2);
        second.CSeq.Number.ShouldBe(1u);
        await scheduler.WaitForTimerAsync(TimerF);
        scheduler.Advance(TimerF);

        var ended = await bed.Policy.WaitForAsync("Ended");
        ended.Reason.ShouldBe("dialog dead: callee did not answer OPTIONS (no response within Timer F), 2 times in a row");
        await bed.Caller.ExpectRequestAsync(SipMethod.Bye);
        await bed.Callee.ExpectRequestAsync(SipMethod.Bye);
        await AllGoneAsync(bed, scheduler);
        bed.Policy.Events.Count(e => e.Kind == "Ended").ShouldBe(1);
    }

    [Fact]
    public async Task An_answer_between_failures_resets_the_count()
    {
        var scheduler = new ManualSipScheduler();
        await using var bed = await StartAsync(scheduler);
        await EstablishAsync(bed);

        // 408, 200, 408: never two failures in a row, the dialog lives on.
        var answered = 0;
        foreach (var code in new[] { 408, 200, 408 })
        {
            await scheduler.WaitForTimerAsync(Interval);
            scheduler.Advance(Interval);
            await bed.Callee.RespondAsync(await ExpectPingAsync(bed.Callee), code, code == 200 ? "OK" : "Request Timeout", bed.Proxy);
            await bed.Caller.RespondAsync(await ExpectPingAsync(bed.Caller), 200, "OK", bed.Proxy, toTag: "caller-tag");
            await AnsweredAsync(bed, answered += 2);
        }

        bed.Server.Counters[SipCounter.DialogPingFailures].ShouldBe(2);
        bed.Policy.Events.Count(e => e.Kind == "Ended").ShouldBe(0);
    }

    [Fact]
    public async Task A_ping_crossing_a_bye_changes_nothing_and_pinging_stops()
    {
        var scheduler = new ManualSipScheduler();
        await using var bed = await StartAsync(scheduler);
        var ok = await EstablishAsync(bed);

        await scheduler.WaitForTimerAsync(Interval);
        scheduler.Advance(Interval);
        var atCallee = await ExpectPingAsync(bed.Callee);
        var atCaller = await ExpectPingAsync(bed.Caller);

        // The caller hangs up while the pings are out; the callee then answers its ping with 481, as a UA would.
        await HangUpAsync(bed, ok, cseq: 2);
        await bed.Callee.RespondAsync(atCallee, 481, "Call/Transaction Does Not Exist", bed.Proxy);
        await bed.Caller.RespondAsync(atCaller, 481, "Call/Transaction Does Not Exist", bed.Proxy, toTag: "caller-tag");
        (await bed.Caller.NothingAsync(m => m.IsRequest && m.Method == SipMethod.Bye, TimeSpan.FromMilliseconds(300)))
            .ShouldBeTrue("no BYE from the proxy: the call had ended already");

        await AllGoneAsync(bed, scheduler);
        bed.Policy.Events.Select(e => (e.Kind, e.Party)).ShouldBe([("Route", DialogParty.Proxy), ("Answered", DialogParty.Proxy), ("Ended", DialogParty.Caller)]);
        bed.Server.Counters[SipCounter.DeadDialogsEnded].ShouldBe(0);
    }

    [Fact]
    public async Task Pings_and_the_bye_toward_a_topology_hidden_carrier_use_its_call_id_alias()
    {
        var scheduler = new ManualSipScheduler();
        await using var bed = await ProxyTestBed.StartAsync(scheduler, o => o with { DialogPingInterval = Interval }, scheduler.Clock);
        bed.Policy.Route = invite => new ForwardInvite([new ForwardTarget($"sip:{invite.RequestUriUser}@{bed.Callee.HostPort}", bed.Callee.SipEndpoint) { HideTopology = true }]);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var invite = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        var alias = invite.CallId;
        alias.ShouldNotBe(bed.CallId);
        await bed.Callee.RespondAsync(invite, 200, "OK", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200);

        await scheduler.WaitForTimerAsync(Interval);
        scheduler.Advance(Interval);
        var atCarrier = await ExpectPingAsync(bed.Callee);
        atCarrier.CallId.ShouldBe(alias, "the carrier knows the dialog only by its alias");
        (await ExpectPingAsync(bed.Caller)).CallId.ShouldBe(bed.CallId);

        // The carrier's 481 carries the alias: it must still find the dialog and end it.
        await bed.Callee.RespondAsync(atCarrier, 481, "Call/Transaction Does Not Exist", bed.Proxy);
        (await bed.Policy.WaitForAsync("Ended")).Party.ShouldBe(DialogParty.Proxy);
        (await bed.Callee.ExpectRequestAsync(SipMethod.Bye)).CallId.ShouldBe(alias);
        (await bed.Caller.ExpectRequestAsync(SipMethod.Bye)).CallId.ShouldBe(bed.CallId);
    }

    [Fact]
    public async Task Pinging_is_off_by_default()
    {
        var scheduler = new ManualSipScheduler();
        await using var bed = await ProxyTestBed.StartAsync(scheduler, clock: scheduler.Clock);
        bed.RouteTo(bed.Callee);
        await EstablishAsync(bed);
        scheduler.Advance(TimeSpan.FromMinutes(10));
        (await bed.Callee.NothingAsync(m => m.IsRequest && m.Method == SipMethod.Options, TimeSpan.FromMilliseconds(300))).ShouldBeTrue();
        bed.Server.Counters[SipCounter.DialogPingsSent].ShouldBe(0);
    }

    private static async Task<ProxyTestBed> StartAsync(ManualSipScheduler scheduler)
    {
        var bed = await ProxyTestBed.StartAsync(scheduler, o => o with { DialogPingInterval = Interval }, scheduler.Clock);
        bed.RouteTo(bed.Callee);
        return bed;
    }

    private static string CallerFrom(ProxyTestBed bed) => $"\"Alice\" <sip:alice@{bed.Caller.EndPoint.Address}>;tag=caller-tag";

    /// <summary>INVITE from the caller, 200 from the callee (Contact <c>sip:callee@...</c>); returns the 200 the caller got.</summary>
    private static async Task<SipMessage> EstablishAsync(ProxyTestBed bed)
    {
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(atCallee, 200, "OK", bed.Proxy);
        return await bed.Caller.ExpectResponseAsync(200);
    }

    /// <summary>The proxy has processed this many ping answers (before the fake clock moves on).</summary>
    private static Task AnsweredAsync(ProxyTestBed bed, long count) =>
        ProxyTestBed.EventuallyAsync(() => bed.Server.Counters[SipCounter.DialogPingsAnswered] == count, $"{count} ping answers processed");

    private static Task<SipMessage> ExpectPingAsync(TestUserAgent party) =>
        party.ExpectAsync(m => m.IsRequest && m.Method == SipMethod.Options, "an in-dialog OPTIONS");

    private static async Task HangUpAsync(ProxyTestBed bed, SipMessage ok, uint cseq)
    {
        await bed.Caller.SendAsync(SipText.InDialog("BYE", bed.Caller, ok.Contacts[0].UriText, ok.GetValues(SipHeaderId.RecordRoute), CallerFrom(bed),
            ok.GetFirst(SipHeaderId.To)!, bed.CallId, cseq, bed.Caller.NewBranch()), bed.Proxy);
        var bye = await bed.Callee.ExpectRequestAsync(SipMethod.Bye);
        await bed.Callee.RespondAsync(bye, 200, "OK", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200, SipMethod.Bye);
        await bed.Policy.WaitForAsync("Ended");
    }

    /// <summary>No call state and no timer left: the ping timer stopped, every transaction ended.</summary>
    private static async Task AllGoneAsync(ProxyTestBed bed, ManualSipScheduler scheduler) =>
        await ProxyTestBed.EventuallyAsync(() =>
        {
            scheduler.Advance(TimeSpan.FromMinutes(1));
            return bed.Server.ActiveCallCount == 0 && scheduler.PendingDelays.Count == 0;
        }, $"no call state and no timers left (pending: {string.Join(", ", scheduler.PendingDelays)})");
}
