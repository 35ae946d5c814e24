using System.Text;
using CallControl.Sip.Message;
using CallControl.Sip.Proxy;
using CallControl.Tests.TestSupport;
using Shouldly;

namespace CallControl.Tests.Proxy;

/// <summary><see cref="ForwardInvite.MaxDuration"/>: the proxy ends the dialog itself, with a BYE to each party that
/// follows that party's route set, and reports it (fake clock).</summary>
public class MaxDurationTests
{
    [Fact]
    public async Task Answered_call_is_ended_after_its_max_duration_with_routed_byes_to_both_parties()
    {
        var scheduler = new ManualSipScheduler();
        await using var bed = await ProxyTestBed.StartAsync(scheduler, clock: scheduler.Clock);
        bed.Policy.Route = invite => new ForwardInvite([new ForwardTarget($"sip:{invite.RequestUriUser}@{bed.Callee.HostPort}", bed.Callee.SipEndpoint)])
        {
            MaxDuration = TimeSpan.FromMinutes(5),
        };

        // An "upstream proxy" (the caller's own address) record-routed the INVITE; a "downstream proxy" on the
        // callee's address record-routes the 2xx: the proxy's BYEs must go through both.
        var upstream = $"<sip:{bed.Caller.HostPort};lr;up>";
        var downstream = $"<sip:{bed.Callee.HostPort};lr;down>";
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch(), extraHeaders: $"Record-Route: {upstream}\r\n"), bed.Proxy);
        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        var ok = SipMessageBuilder.ResponseTo(atCallee, 200, "OK", "callee-tag").Add(SipHeaderId.RecordRoute, downstream);
        foreach (var rr in atCallee.GetValues(SipHeaderId.RecordRoute))
        {
            ok.Add(SipHeaderId.RecordRoute, rr);
        }

        await bed.Callee.SendAsync(ok.Add(SipHeaderId.Contact, $"<sip:callee@{bed.Callee.HostPort}>").ToArray(), bed.Proxy);
        var okAtCaller = await bed.Caller.ExpectResponseAsync(200);
        okAtCaller.GetValues(SipHeaderId.RecordRoute).Count.ShouldBe(3);

        // The caller sent a re-INVITE meanwhile (CSeq 7): the proxy's BYE toward the callee must use a higher CSeq.
        var routeSet = okAtCaller.GetValues(SipHeaderId.RecordRoute).Reverse().Skip(1); // the caller itself is the first
        var reinvite = SipText.InDialog("INVITE", bed.Caller, okAtCaller.Contacts[0].UriText, routeSet, "\"Alice\" <sip:alice@127.0.0.11>;tag=caller-tag",
            okAtCaller.GetFirst(SipHeaderId.To)!, bed.CallId, 7, bed.Caller.NewBranch());
        await bed.Caller.SendAsync(reinvite, bed.Proxy);
        var reinviteAtCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        reinviteAtCallee.CSeq.Number.ShouldBe(7u);
        await bed.Callee.RespondAsync(reinviteAtCallee, 200, "OK", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200);

        await scheduler.WaitForTimerAsync(TimeSpan.FromMinutes(5));
        scheduler.Advance(TimeSpan.FromMinutes(5));

        var toCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Bye);
        toCallee.RequestUri.ShouldBe($"sip:callee@{bed.Callee.HostPort}");
        toCallee.GetValues(SipHeaderId.Route).ShouldBe([downstream]);
        toCallee.From.Tag.ShouldBe("caller-tag");
        toCallee.To.Tag.ShouldBe("callee-tag");
        toCallee.CSeq.Number.ShouldBe(8u);

        var toCaller = await bed.Caller.ExpectRequestAsync(SipMethod.Bye);
        toCaller.RequestUri.ShouldBe($"sip:alice@{bed.Caller.HostPort}");
        toCaller.GetValues(SipHeaderId.Route).ShouldBe([upstream]);
        toCaller.From.Tag.ShouldBe("callee-tag");
        toCaller.From.UriText.ShouldBe($"sip:+31205550200@{bed.Proxy.Address}");
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
        bed.Policy.Events.Count(e => e.Kind == "Ended").ShouldBe(1);
    }

    [Fact]
    public async Task Bye_crossing_the_proxys_bye_is_not_reported_again()
    {
        var scheduler = new ManualSipScheduler();
        await using var bed = await ProxyTestBed.StartAsync(scheduler, clock: scheduler.Clock);
        bed.Policy.Route = invite => new ForwardInvite([new ForwardTarget($"sip:{invite.RequestUriUser}@{bed.Callee.HostPort}", bed.Callee.SipEndpoint)])
        {
            MaxDuration = TimeSpan.FromSeconds(30),
        };
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(atCallee, 200, "OK", bed.Proxy);
        var ok = await bed.Caller.ExpectResponseAsync(200);
        await scheduler.WaitForTimerAsync(TimeSpan.FromSeconds(30));
        scheduler.Advance(TimeSpan.FromSeconds(30));
        await bed.Callee.ExpectRequestAsync(SipMethod.Bye);
        await bed.Caller.ExpectRequestAsync(SipMethod.Bye);

        var bye = SipText.InDialog("BYE", bed.Caller, ok.Contacts[0].UriText, ok.GetValues(SipHeaderId.RecordRoute), "<sip:alice@127.0.0.11>;tag=caller-tag",
            ok.GetFirst(SipHeaderId.To)!, bed.CallId, 2, bed.Caller.NewBranch());
        await bed.Caller.SendAsync(bye, bed.Proxy);
        await bed.Callee.ExpectAsync(m => m.IsRequest && m.Method == SipMethod.Bye && m.CSeq.Number == 2, "the caller's BYE");
        bed.Policy.Events.Select(e => e.Kind).ShouldBe(["Route", "Answered", "Ended"]);
    }

    [Fact]
    public async Task The_limit_given_after_the_answer_replaces_the_one_given_at_the_invite()
    {
        var scheduler = new ManualSipScheduler();
        await using var bed = await ProxyTestBed.StartAsync(scheduler, clock: scheduler.Clock);
        bed.Policy.Route = invite => new ForwardInvite([new ForwardTarget($"sip:{invite.RequestUriUser}@{bed.Callee.HostPort}", bed.Callee.SipEndpoint)])
        {
            MaxDuration = TimeSpan.FromSeconds(84),
        };
        // Priced again at the answer (another rate period began while it rang): 60 s from the answer.
        bed.Policy.AfterAnswer = _ => TimeSpan.FromSeconds(60);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(atCallee, 200, "OK", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200);

        await scheduler.WaitForTimerAsync(TimeSpan.FromSeconds(60));
        scheduler.PendingDelays.ShouldNotContain(TimeSpan.FromSeconds(84));
        scheduler.Advance(TimeSpan.FromSeconds(60));
        await bed.Callee.ExpectRequestAsync(SipMethod.Bye);
        await bed.Caller.ExpectRequestAsync(SipMethod.Bye);
        (await bed.Policy.WaitForAsync("Ended")).Reason.ShouldBe("maximum duration reached");
    }
}
