using System.Text;
using CallControl.Sip;
using CallControl.Sip.Message;
using CallControl.Sip.Proxy;
using CallControl.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;

namespace CallControl.Tests.Proxy;

/// <summary>A dialog answered by one server (topology-hidden carrier leg: a Call-ID alias) and given, as the policy recorded
/// it (<see cref="DialogState"/>), to a new server on the same address: the new one translates the carrier's requests
/// (alias → the caller's Call-ID and back), pings both parties and ends a dead dialog with BYE to both.</summary>
public class RestoredDialogTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);

    private sealed record Restarted(SipServer Server, FakeProxyPolicy Policy, ManualSipScheduler Scheduler, SipMessage AtCarrier, DialogState State) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }

    /// <summary>INVITE → hidden carrier → 200, then the first server goes away and a second one on the same port takes the dialog back.</summary>
    private static async Task<Restarted> AnswerAndRestartAsync(ProxyTestBed bed, TimeSpan? left = null)
    {
        bed.Policy.Route = invite => new ForwardInvite([new ForwardTarget($"sip:{invite.RequestUriUser}@{bed.Callee.HostPort}", bed.Callee.SipEndpoint) { HideTopology = true }]);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var atCarrier = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.RespondAsync(atCarrier, 200, "OK", bed.Proxy, body: "v=0\r\n");
        await bed.Caller.ExpectResponseAsync(200);
        var state = bed.Policy.AnsweredDialogs.ShouldHaveSingleItem();
        state.CalleeCallId.ShouldBe(atCarrier.CallId);
        state.HideTopology.ShouldBeTrue();

        var port = bed.Proxy.Port;
        await bed.Server.StopAsync();
        var scheduler = new ManualSipScheduler();
        var policy = new FakeProxyPolicy();
        var options = new SipServerOptions
        {
            ListenAddress = bed.Proxy.Address, UdpPort = port, TcpPort = null, DialogPingInterval = Interval,
        };
        var server = new SipServer(options, policy, scheduler.Clock, scheduler, NullLogger.Instance);
        await server.StartAsync();
        (await server.RestoreDialogAsync(bed.Key, 0, state, scheduler.Clock.GetCurrentInstant(), left ?? TimeSpan.FromHours(1))).ShouldBeTrue();
        (await server.RestoreDialogAsync(bed.Key, 0, state, scheduler.Clock.GetCurrentInstant(), null)).ShouldBeFalse("a dialog is restored once");
        server.CallIdAliasCount.ShouldBe(1);
        return new Restarted(server, policy, scheduler, atCarrier, state);
    }

    [Fact]
    public async Task The_carriers_bye_after_a_restart_reaches_the_caller_with_its_own_call_id_and_ends_the_call()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        await using var run = await AnswerAndRestartAsync(bed);
        var alias = run.AtCarrier.CallId;

        // The carrier hangs up with the alias, routed to the proxy's Contact as it got it.
        var at = run.AtCarrier;
        await bed.Callee.SendAsync(SipText.InDialog("BYE", bed.Callee, at.Contacts[0].UriText, at.GetValues(SipHeaderId.RecordRoute),
            at.GetFirst(SipHeaderId.To) + ";tag=callee-tag", at.GetFirst(SipHeaderId.From)!, alias, 5, bed.Callee.NewBranch()), bed.Proxy);
        var bye = await bed.Caller.ExpectRequestAsync(SipMethod.Bye);
        bye.CallId.ShouldBe(bed.CallId);
        bye.To.Tag.ShouldBe("caller-tag");
        bye.From.Tag.ShouldBe("callee-tag");
        bye.RequestUri.ShouldStartWith("sip:alice@127.0.0.11");
        var ended = await run.Policy.WaitForAsync("Ended");
        ended.Party.ShouldBe(DialogParty.Callee);
        ended.Key.ShouldBe(bed.Key);
        run.Policy.Events.Select(e => e.Kind).ShouldNotContain("UnknownDialogEnded");

        await bed.Caller.SendAsync(SipMessageBuilder.ResponseTo(bye, 200, "OK", null).ToArray(), bed.Proxy);
        var ok = await bed.Callee.ExpectResponseAsync(200, SipMethod.Bye);
        ok.CallId.ShouldBe(alias);
        Encoding.UTF8.GetString(ok.Raw.Span).ShouldNotContain(bed.CallId);
    }

    [Fact]
    public async Task A_restored_dialog_is_pinged_and_the_callers_bye_reaches_the_carrier_with_the_alias()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        await using var run = await AnswerAndRestartAsync(bed);
        var alias = run.AtCarrier.CallId;

        await run.Scheduler.WaitForTimerAsync(Interval);
        run.Scheduler.Advance(Interval);
        var ping = await bed.Callee.ExpectAsync(m => m.IsRequest && m.Method == SipMethod.Options, "a ping of the restored dialog");
        ping.CallId.ShouldBe(alias);
        ping.To.Tag.ShouldBe("callee-tag");
        Encoding.UTF8.GetString(ping.Raw.Span).ShouldNotContain("127.0.0.11");
        await bed.Callee.RespondAsync(ping, 200, "OK", bed.Proxy);
        var callerPing = await bed.Caller.ExpectAsync(m => m.IsRequest && m.Method == SipMethod.Options, "a ping toward the caller");
        callerPing.CallId.ShouldBe(bed.CallId);
        await bed.Caller.RespondAsync(callerPing, 200, "OK", bed.Proxy, toTag: "caller-tag");

        // The caller hangs up: the carrier gets the BYE under the alias, with the From/To of its leg.
        var callerFrom = $"\"Alice\" <sip:alice@{bed.Caller.EndPoint.Address}>;tag=caller-tag";
        await bed.Caller.SendAsync(SipText.InDialog("BYE", bed.Caller, $"sip:cc@{bed.Proxy.Address}:{bed.Proxy.Port}", [], callerFrom,
            $"<sip:+31205550200@{bed.Proxy.Address}>;tag=callee-tag", bed.CallId, 2, bed.Caller.NewBranch()), bed.Proxy);
        var bye = await bed.Callee.ExpectRequestAsync(SipMethod.Bye);
        bye.CallId.ShouldBe(alias);
        bye.From.Tag.ShouldBe("caller-tag");
        bye.GetFirst(SipHeaderId.From).ShouldBe(run.State.LegFrom);
        (await run.Policy.WaitForAsync("Ended")).Party.ShouldBe(DialogParty.Caller);
    }

    [Fact]
    public async Task A_restored_dialog_whose_carrier_forgot_it_is_ended_by_the_ping_with_bye_to_both()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        await using var run = await AnswerAndRestartAsync(bed);

        await run.Scheduler.WaitForTimerAsync(Interval);
        run.Scheduler.Advance(Interval);
        var ping = await bed.Callee.ExpectAsync(m => m.IsRequest && m.Method == SipMethod.Options, "a ping of the restored dialog");
        await bed.Callee.RespondAsync(ping, 481, "Call/Transaction Does Not Exist", bed.Proxy);

        // The carrier never showed life since the restore: the end may have happened during the outage (not seen).
        var lost = await run.Policy.WaitForAsync("Lost");
        lost.Reason.ShouldStartWith("dialog dead: callee answered OPTIONS with 481");
        run.Policy.Events.Select(e => e.Kind).ShouldNotContain("Ended");
        (await bed.Callee.ExpectRequestAsync(SipMethod.Bye)).CallId.ShouldBe(run.AtCarrier.CallId);
        (await bed.Caller.ExpectRequestAsync(SipMethod.Bye)).CallId.ShouldBe(bed.CallId);
    }

    [Fact]
    public async Task A_restored_dialog_whose_carrier_answered_since_the_restart_and_then_forgot_it_ends_as_seen()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        await using var run = await AnswerAndRestartAsync(bed);

        await run.Scheduler.WaitForTimerAsync(Interval);
        run.Scheduler.Advance(Interval);
        var first = await bed.Callee.ExpectAsync(m => m.IsRequest && m.Method == SipMethod.Options, "the first ping");
        await bed.Callee.RespondAsync(first, 200, "OK", bed.Proxy);
        await ProxyTestBed.EventuallyAsync(() => run.Server.Counters[SipCounter.DialogPingsAnswered] >= 1, "the first ping answered");
        await run.Scheduler.WaitForTimerAsync(Interval);
        run.Scheduler.Advance(Interval);
        var second = await bed.Callee.ExpectAsync(m => m.IsRequest && m.Method == SipMethod.Options && m.TopVia.Branch != first.TopVia.Branch, "the second ping");
        await bed.Callee.RespondAsync(second, 481, "Call/Transaction Does Not Exist", bed.Proxy);

        var ended = await run.Policy.WaitForAsync("Ended");
        ended.Party.ShouldBe(DialogParty.Proxy);
        ended.Reason.ShouldStartWith("dialog dead: callee answered OPTIONS with 481");
        run.Policy.Events.Select(e => e.Kind).ShouldNotContain("Lost");
    }

    [Fact]
    public async Task A_dialog_restored_after_its_limit_passed_is_ended_at_once_with_bye_to_both_as_not_seen()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        await using var run = await AnswerAndRestartAsync(bed, TimeSpan.Zero);
        run.Scheduler.Advance(TimeSpan.Zero);

        var lost = await run.Policy.WaitForAsync("Lost");
        lost.Reason.ShouldBe("maximum duration reached while no controller carried the dialog");
        (await bed.Callee.ExpectRequestAsync(SipMethod.Bye)).CallId.ShouldBe(run.AtCarrier.CallId);
        (await bed.Caller.ExpectRequestAsync(SipMethod.Bye)).CallId.ShouldBe(bed.CallId);
        run.Policy.Events.Select(e => e.Kind).ShouldNotContain("Ended");
    }
}
