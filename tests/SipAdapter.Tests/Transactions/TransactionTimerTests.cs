using CallControl.Sip.Message;
using CallControl.Sip.Proxy;
using CallControl.Tests.TestSupport;
using Shouldly;

namespace CallControl.Tests.Transactions;

/// <summary>RFC 3261 §17 timers driven by a fake clock; the network is real loopback UDP.</summary>
public class TransactionTimerTests
{
    private static readonly TimeSpan T1 = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan T2 = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan SixtyFourT1 = TimeSpan.FromSeconds(32);

    private static async Task<(ProxyTestBed Bed, ManualSipScheduler Scheduler)> StartAsync()
    {
        var scheduler = new ManualSipScheduler();
        var bed = await ProxyTestBed.StartAsync(scheduler, clock: scheduler.Clock);
        return (bed, scheduler);
    }

    private static SipMessage Parse(string text)
    {
        SipParser.Parse(System.Text.Encoding.UTF8.GetBytes(text), false, SipParserOptions.Default, out var m);
        return m!;
    }

    [Fact]
    public async Task Timer_A_retransmits_the_invite_with_doubling_intervals_until_a_provisional()
    {
        var (bed, scheduler) = await StartAsync();
        await using var _ = bed;
        bed.RouteTo(bed.Callee);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var first = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await scheduler.WaitForTimerAsync(T1);

        scheduler.Advance(T1);
        (await bed.Callee.ExpectRequestAsync(SipMethod.Invite)).TopVia.Branch.ShouldBe(first.TopVia.Branch);
        await scheduler.WaitForTimerAsync(2 * T1);
        scheduler.Advance(T1);
        (await bed.Callee.NothingAsync(m => m.Method == SipMethod.Invite, TimeSpan.FromMilliseconds(100))).ShouldBeTrue();
        scheduler.Advance(T1);
        await bed.Callee.ExpectRequestAsync(SipMethod.Invite);

        await bed.Callee.RespondAsync(first, 180, "Ringing", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(180);
        scheduler.Advance(TimeSpan.FromSeconds(10));
        (await bed.Callee.NothingAsync(m => m.Method == SipMethod.Invite, TimeSpan.FromMilliseconds(100))).ShouldBeTrue();
    }

    [Fact]
    public async Task Timer_B_times_out_a_silent_target_and_fails_over()
    {
        var (bed, scheduler) = await StartAsync();
        await using var _ = bed;
        bed.RouteTo(bed.Callee, bed.Callee2);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await scheduler.WaitForTimerAsync(SixtyFourT1);

        scheduler.Advance(SixtyFourT1);
        await bed.Callee2.ExpectRequestAsync(SipMethod.Invite);
        var attempt = await bed.Policy.WaitForAsync("AttemptFailed");
        attempt.StatusCode.ShouldBe(408);
        attempt.TargetIndex.ShouldBe(0);
    }

    [Fact]
    public async Task Timer_B_on_the_last_target_answers_408()
    {
        var (bed, scheduler) = await StartAsync();
        await using var _ = bed;
        bed.RouteTo(bed.Callee);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await scheduler.WaitForTimerAsync(SixtyFourT1);

        scheduler.Advance(SixtyFourT1);
        (await bed.Caller.ExpectResponseAsync(408)).To.Tag.ShouldNotBeNull();
        var failed = await bed.Policy.WaitForAsync("Failed");
        failed.StatusCode.ShouldBe(408);
        failed.Party.ShouldBe(DialogParty.Proxy);
    }

    [Fact]
    public async Task No_answer_timeout_cancels_the_ringing_target_and_tries_the_next()
    {
        var (bed, scheduler) = await StartAsync();
        await using var _ = bed;
        var noAnswer = TimeSpan.FromSeconds(20);
        bed.Policy.Route = invite => new ForwardInvite([
            new ForwardTarget($"sip:a@{bed.Callee.HostPort}", bed.Callee.SipEndpoint, noAnswer),
            new ForwardTarget($"sip:b@{bed.Callee2.HostPort}", bed.Callee2.SipEndpoint),
        ]);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(atCallee, 180, "Ringing", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(180);
        await scheduler.WaitForTimerAsync(noAnswer);

        scheduler.Advance(noAnswer);
        var cancel = await bed.Callee.ExpectRequestAsync(SipMethod.Cancel);
        cancel.TopVia.Branch.ShouldBe(atCallee.TopVia.Branch);
        await bed.Callee2.ExpectRequestAsync(SipMethod.Invite);
        (await bed.Policy.WaitForAsync("AttemptFailed")).Reason.ShouldBe("No Answer");

        // The cancelled branch's 487 is ACKed but not relayed.
        await bed.Callee.RespondAsync(cancel, 200, "OK", bed.Proxy);
        await bed.Callee.RespondAsync(atCallee, 487, "Request Terminated", bed.Proxy);
        await bed.Callee.ExpectRequestAsync(SipMethod.Ack);
        (await bed.Caller.NothingAsync(m => m.StatusCode == 487, TimeSpan.FromMilliseconds(100))).ShouldBeTrue();
    }

    [Fact]
    public async Task Timer_C_cancels_a_ringing_call_after_three_minutes()
    {
        var (bed, scheduler) = await StartAsync();
        await using var _ = bed;
        bed.RouteTo(bed.Callee);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(atCallee, 180, "Ringing", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(180);
        await scheduler.WaitForTimerAsync(TimeSpan.FromMinutes(3));
        // The provisional restarted Timer C: 2.5 minutes later nothing happens yet.
        scheduler.Advance(TimeSpan.FromMinutes(2.5));
        (await bed.Callee.NothingAsync(m => m.Method == SipMethod.Cancel, TimeSpan.FromMilliseconds(100))).ShouldBeTrue();

        scheduler.Advance(TimeSpan.FromMinutes(1));
        await bed.Callee.ExpectRequestAsync(SipMethod.Cancel);
        await bed.Caller.ExpectResponseAsync(408);
        (await bed.Policy.WaitForAsync("Failed")).StatusCode.ShouldBe(408);
    }

    [Fact]
    public async Task Timer_G_retransmits_a_final_response_until_ack_and_Timer_H_gives_up()
    {
        var (bed, scheduler) = await StartAsync();
        await using var _ = bed;
        bed.Policy.Route = _ => new RejectInvite(403, "Forbidden");
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        await bed.Caller.ExpectResponseAsync(403);
        await scheduler.WaitForTimerAsync(T1);

        scheduler.Advance(T1);
        await bed.Caller.ExpectResponseAsync(403);
        scheduler.Advance(2 * T1);
        await bed.Caller.ExpectResponseAsync(403);
        scheduler.Advance(4 * T1);
        await bed.Caller.ExpectResponseAsync(403);
        bed.Server.ActiveCallCount.ShouldBe(1);

        scheduler.Advance(SixtyFourT1);
        await ProxyTestBed.EventuallyAsync(() => bed.Server.ActiveCallCount == 0, "call state released after Timer H");
    }

    [Fact]
    public async Task Ack_stops_Timer_G_and_Timer_I_releases_the_transaction()
    {
        var (bed, scheduler) = await StartAsync();
        await using var _ = bed;
        bed.Policy.Route = _ => new RejectInvite(404, "Not Found");
        var invite = SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch());
        await bed.Caller.SendAsync(invite, bed.Proxy);
        var notFound = await bed.Caller.ExpectResponseAsync(404);
        await bed.Caller.SendAsync(SipText.AckNon2xx(Parse(invite), notFound), bed.Proxy);
        await scheduler.WaitForTimerAsync(TimeSpan.FromSeconds(5)); // Timer I = T4

        scheduler.Advance(TimeSpan.FromSeconds(5));
        (await bed.Caller.NothingAsync(m => m.StatusCode == 404, TimeSpan.FromMilliseconds(100))).ShouldBeTrue();
        await ProxyTestBed.EventuallyAsync(() => bed.Server.ActiveCallCount == 0, "call state released after Timer I");
    }

    [Fact]
    public async Task Timer_E_retransmits_an_in_dialog_bye_and_Timer_F_answers_408()
    {
        var (bed, scheduler) = await StartAsync();
        await using var _ = bed;
        bed.RouteTo(bed.Callee);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(atCallee, 200, "OK", bed.Proxy);
        var ok = await bed.Caller.ExpectResponseAsync(200);

        var routes = ok.GetValues(SipHeaderId.RecordRoute).Reverse().ToList();
        await bed.Caller.SendAsync(SipText.InDialog("BYE", bed.Caller, ok.Contacts[0].UriText, routes, "<sip:alice@127.0.0.11>;tag=caller-tag",
            ok.GetFirst(SipHeaderId.To)!, bed.CallId, 2, bed.Caller.NewBranch()), bed.Proxy);
        await bed.Callee.ExpectRequestAsync(SipMethod.Bye);
        await scheduler.WaitForTimerAsync(T1); // Timer E of the BYE client transaction

        scheduler.Advance(T1);
        await bed.Callee.ExpectRequestAsync(SipMethod.Bye);
        scheduler.Advance(2 * T1);
        await bed.Callee.ExpectRequestAsync(SipMethod.Bye);
        scheduler.Advance(SixtyFourT1);
        await bed.Caller.ExpectResponseAsync(408, SipMethod.Bye);
        (await bed.Policy.WaitForAsync("Ended")).Party.ShouldBe(DialogParty.Caller);
    }

    [Fact]
    public async Task Completed_call_leaves_no_state_once_timers_ran()
    {
        var (bed, scheduler) = await StartAsync();
        await using var _ = bed;
        bed.RouteTo(bed.Callee);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(atCallee, 200, "OK", bed.Proxy);
        var ok = await bed.Caller.ExpectResponseAsync(200);
        var routes = ok.GetValues(SipHeaderId.RecordRoute).Reverse().ToList();
        await bed.Caller.SendAsync(SipText.InDialog("BYE", bed.Caller, ok.Contacts[0].UriText, routes, "<sip:alice@127.0.0.11>;tag=caller-tag",
            ok.GetFirst(SipHeaderId.To)!, bed.CallId, 2, bed.Caller.NewBranch()), bed.Proxy);
        var bye = await bed.Callee.ExpectRequestAsync(SipMethod.Bye);
        await bed.Callee.RespondAsync(bye, 200, "OK", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200, SipMethod.Bye);
        bed.Server.ActiveCallCount.ShouldBe(1);

        scheduler.Advance(SixtyFourT1 + TimeSpan.FromSeconds(1));
        await ProxyTestBed.EventuallyAsync(() => bed.Server.ActiveCallCount == 0, "all transactions ended");
        scheduler.PendingDelays.ShouldBeEmpty();
    }

    [Fact]
    public async Task Dialog_without_bye_is_ended_by_the_proxy_after_the_maximum_duration()
    {
        var scheduler = new ManualSipScheduler();
        await using var bed = await ProxyTestBed.StartAsync(scheduler, o => o with { MaxDialogDuration = TimeSpan.FromHours(1) }, scheduler.Clock);
        bed.RouteTo(bed.Callee);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(atCallee, 200, "OK", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200);
        await scheduler.WaitForTimerAsync(TimeSpan.FromHours(1));

        scheduler.Advance(TimeSpan.FromHours(1));
        var toCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Bye);
        toCallee.RequestUri.ShouldBe($"sip:callee@{bed.Callee.HostPort}");
        toCallee.From.Tag.ShouldBe("caller-tag");
        toCallee.To.Tag.ShouldBe("callee-tag");
        toCallee.CSeq.Number.ShouldBe(2u);
        var toCaller = await bed.Caller.ExpectRequestAsync(SipMethod.Bye);
        toCaller.RequestUri.ShouldBe($"sip:alice@{bed.Caller.HostPort}");
        toCaller.From.Tag.ShouldBe("callee-tag");
        toCaller.To.Tag.ShouldBe("caller-tag");
        var ended = await bed.Policy.WaitForAsync("Ended");
        ended.Party.ShouldBe(DialogParty.Proxy);
        ended.Reason.ShouldBe("maximum duration reached");

        await bed.Callee.RespondAsync(toCallee, 200, "OK", bed.Proxy);
        await bed.Caller.RespondAsync(toCaller, 200, "OK", bed.Proxy, toTag: "caller-tag");
        // The BYE responses are processed on other threads: keep time moving until their timers were scheduled and fired.
        await ProxyTestBed.EventuallyAsync(() =>
        {
            scheduler.Advance(TimeSpan.FromMinutes(1));
            return bed.Server.ActiveCallCount == 0;
        }, "dialog state released");
    }
}
