using CallControl.Calls;
using CallControl.Host;
using CallControl.Host.Limits;
using CallControl.Host.Sip;
using CallControl.Limits;
using CallControl.Projections.Cdrs;
using CallControl.Sip.Proxy;
using CallControl.Tests.Infrastructure;
using CallControl.Tests.Limits;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace CallControl.Tests.Sip;

/// <summary>A controller that pings every answered call each second and gives a party up after one unanswered ping;
/// T1 100 ms, so "unanswered" (Timer F = 64*T1) takes 6.4 s instead of 32 s.</summary>
public sealed class KeepaliveControllerFixture : ControllerFixture
{
    protected override ControllerSettings Configure(ControllerSettings settings) =>
        settings with { DialogPingInterval = TimeSpan.FromSeconds(1), DialogPingFailures = 1, SipT1 = TimeSpan.FromMilliseconds(100) };
}

/// <summary>Dialog keep-alive with real sipp PBXs: a call whose callee vanished is ended by the controller (BYE to the
/// caller, CallEnded with the reason, live counters back to 0); a call whose parties answer the pings stays up.</summary>
public sealed class DialogKeepaliveTests(KeepaliveControllerFixture controller, Xunit.Abstractions.ITestOutputHelper output)
    : IClassFixture<KeepaliveControllerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_call_whose_callee_dies_is_ended_by_the_controller_and_releases_its_limits()
    {
        // acme-hq answers and then its process dies (a ping that comes before is ignored); globex-main's caller answers
        // the pings (-aa) and never hangs up.
        await using var callee = await Sipp.StartServerAsync("uas-answer-ignore-options.xml", ControllerFixture.AcmeAddress, controller.AcmePort);
        var port = FreePort.Udp(ControllerFixture.GlobexAddress);
        await using var caller = Sipp.StartClient("uac-call-until-bye.xml", ControllerFixture.GlobexAddress, port, controller.SipEndpoint, "+31205550100",
            extra: ["-aa"]);
        var source = $"udp:{ControllerFixture.GlobexAddress}:{port}";
        await Await.UntilAsync(() => CdrAsync(source), c => c?.Disposition == CdrDispositions.Connected, Patience, "the call answered");
        Registry().OpenDialogCount.ShouldBe(1);
        ActiveCalls("acme-hq").ShouldBe(1);
        ActiveCalls("globex-main").ShouldBe(1);
        await callee.KillAsync();
        var died = DateTime.UtcNow;

        // The caller's scenario succeeds only if the controller sends it a BYE.
        var callerResult = await caller.WaitAsync();
        callerResult.AllCallsSucceeded.ShouldBeTrue(callerResult.ToString());
        output.WriteLine($"caller got its BYE {(DateTime.UtcNow - died).TotalSeconds:0.0} s after the callee died (ping 1 s, Timer F 6.4 s, 1 failure)");

        var cdr = await Await.UntilAsync(() => CdrAsync(source), c => c?.EndedAt is not null, Patience, "the call ended");
        cdr!.EndedBy.ShouldBe("system");
        await using var session = controller.Store.QuerySession();
        var ended = (await session.Events.FetchStreamAsync(cdr.Id)).Select(e => e.Data).OfType<CallEnded>().ShouldHaveSingleItem();
        ended.Reason.ShouldStartWith("dialog dead: callee did not answer OPTIONS");
        await Await.UntilAsync(() => Task.FromResult(Registry().OpenDialogCount), n => n == 0, Patience, "the call released");
        ActiveCalls("acme-hq").ShouldBe(0);
        ActiveCalls("globex-main").ShouldBe(0);
    }

    [Fact]
    public async Task A_call_whose_parties_answer_the_pings_stays_up_until_it_is_hung_up()
    {
        var counters = controller.App.Services.GetRequiredService<SipService>().Server.Counters;
        var sentBefore = counters[SipCounter.DialogPingsSent];
        var answeredBefore = counters[SipCounter.DialogPingsAnswered];
        var deadBefore = counters[SipCounter.DeadDialogsEnded];
        // acme-hq calls globex-main here (the other test leaves acme-hq's port to a dead PBX that still gets BYE retransmissions).
        await using var callee = await Sipp.StartServerAsync("uas-answer-until-bye.xml", ControllerFixture.GlobexAddress, controller.GlobexPort, extra: ["-aa"]);
        var port = FreePort.Udp(ControllerFixture.AcmeAddress);
        await using var caller = Sipp.StartClient("uac-call-hold.xml", ControllerFixture.AcmeAddress, port, controller.SipEndpoint, "+31205550200",
            replace: new Dictionary<string, string> { ["HOLD_MS"] = "6000" }, extra: ["-aa"]);

        var callerResult = await caller.WaitAsync();
        callerResult.AllCallsSucceeded.ShouldBeTrue(callerResult.ToString());
        (await callee.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();

        // Several rounds of pings went to both parties and were answered, and the caller's BYE ended the call.
        (counters[SipCounter.DialogPingsSent] - sentBefore).ShouldBeGreaterThanOrEqualTo(6);
        (counters[SipCounter.DialogPingsAnswered] - answeredBefore).ShouldBeGreaterThanOrEqualTo(6);
        counters[SipCounter.DeadDialogsEnded].ShouldBe(deadBefore);
        var cdr = await Await.UntilAsync(() => CdrAsync($"udp:{ControllerFixture.AcmeAddress}:{port}"), c => c?.EndedAt is not null, Patience, "the call ended");
        cdr!.EndedBy.ShouldBe("caller");
        cdr.Duration.TotalSeconds.ShouldBeGreaterThan(5);
    }

    private LiveUsageRegistry Registry() => controller.App.Services.GetRequiredService<LiveLimits>().Current();

    /// <summary>A PBX's live concurrent calls (a scope without usage is left out of the snapshot: 0).</summary>
    private int ActiveCalls(string pbx) =>
        Registry().Snapshot(NodaTime.SystemClock.Instance.GetCurrentInstant()).Scopes.TryGetValue(ScopeId.Pbx(pbx), out var usage) ? usage.ActiveCalls : 0;

    private async Task<Cdr?> CdrAsync(string source)
    {
        await using var session = controller.Store.QuerySession();
        return (await session.Query<Cdr>().Where(c => c.Source == source).ToListAsync()).SingleOrDefault();
    }
}
