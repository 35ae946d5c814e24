using System.Net;
using System.Net.Sockets;
using CallControl.Calls;
using CallControl.Host.Calls;
using CallControl.Limits;
using CallControl.Projections.Cdrs;
using CallControl.Provisioning;
using CallControl.Tests.Infrastructure;
using Marten;
using Shouldly;
using static CallControl.Tests.Limits.LimitsController;

namespace CallControl.Tests.Limits;

/// <summary>Live limits with real sipp peers: admission under a burst, release on every way a call ends, restart.</summary>
public sealed class LimitsThroughControllerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(10)]
    public async Task A_burst_of_200_calls_admits_exactly_the_limit_and_leaves_another_pbx_alone(int limit)
    {
        await using var controller = await StartAsync();
        int globexPort = FreePort.Udp(Globex);
        await controller.ProvisionAsync(Document(new Dictionary<string, int> { ["globex-main"] = globexPort },
            new Dictionary<string, LimitsSpec> { ["acme-hq"] = new() { MaxCalls = limit } }));

        // globex-main answers the admitted calls and one call of its own.
        await using var callee = await Sipp.StartServerAsync("uas-answer.xml", Globex, globexPort, calls: limit + 1);
        int acmePort = FreePort.Udp(Acme);
        await using var callers = Sipp.StartClient("limits-uac-hold.xml", Acme, acmePort, controller.SipEndpoint, GlobexDid,
            calls: 200, rate: 200, replace: new Dictionary<string, string> { ["HOLD_MS"] = "8000" }, extra: ["-l", "200"]);

        // Every one of the 200 INVITEs has been decided (recorded) while the 10 admitted calls are still held.
        var cdrs = await Await.UntilAsync(() => controller.CdrsFromAsync(Acme, acmePort), c => c.Count == 200, Patience, "200 CDRs from acme-hq");
        var acme = controller.Registry.Snapshot(NodaTime.SystemClock.Instance.GetCurrentInstant()).Scopes[ScopeId.Pbx("acme-hq")];
        acme.ActiveCalls.ShouldBe(limit);

        var admitted = cdrs.Where(c => c.Kbps is not null).ToList();
        admitted.Count.ShouldBe(limit);
        admitted.ShouldAllBe(c => c.Kbps == 80);
        var refused = cdrs.Where(c => c.Kbps is null).ToList();
        refused.Count.ShouldBe(200 - limit);
        refused.ShouldAllBe(c => c.Disposition == CdrDispositions.Rejected && c.StatusCode == 503);
        refused.ShouldAllBe(c => c.LimitHit == $"pbx:acme-hq calls limit {limit}: {limit} in use");
        refused[0].Reason!.ShouldContain($"pbx:acme-hq (caller) concurrent calls limit {limit}, {limit} calls in use");

        var events = await new CallQueries(controller.Store).ReplayAsync(refused[0].CallId);
        events.Select(e => e.Type).ShouldBe(["call_received", "call_rejected", "call_limit_hit"]);
        events[2].Data.ShouldContain($"\"limitValue\":{limit}");
        events[2].Data.ShouldContain($"\"currentValue\":{limit}");

        // The other PBX is not affected while acme-hq is full.
        var live = await controller.LiveViewAsync();
        live.Pbxs.Single(p => p.Id == "acme-hq").ShouldSatisfyAllConditions(p => p.Calls.ShouldBe(limit), p => p.MaxCalls.ShouldBe(limit));
        int ownPort = FreePort.Udp(Globex);
        await using var globexCaller = Sipp.StartClient("uac-call.xml", Globex, ownPort, controller.SipEndpoint, GlobexDid);
        var own = await globexCaller.WaitAsync();
        own.AllCallsSucceeded.ShouldBeTrue(own.ToString());
        (await controller.CdrsFromAsync(Globex, ownPort)).ShouldHaveSingleItem().Disposition.ShouldBe(CdrDispositions.Answered);

        var result = await callers.WaitAsync(TimeSpan.FromSeconds(90));
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        await Await.UntilAsync(() => controller.Registry.OpenDialogCount, n => n == 0, Patience, "every call released");
        (await controller.LiveViewAsync()).Pbxs.ShouldAllBe(p => p.Calls == 0 && p.Kbps == 0);

        // The history, from the CDRs, saw the 10 calls (80 kbit/s each) at their peak.
        var now = NodaTime.SystemClock.Instance.GetCurrentInstant();
        var history = await controller.HistoryAsync("acme-hq", now - NodaTime.Duration.FromMinutes(10), now + NodaTime.Duration.FromMinutes(1));
        history.Minutes.Max(m => m.PeakCalls).ShouldBe(limit);
        history.Minutes.Max(m => m.PeakKbps).ShouldBe(limit * 80);
        history.Minutes.Sum(m => m.NewCalls).ShouldBe(limit);
    }

    [Fact]
    public async Task Answered_cancelled_busy_and_timed_out_calls_all_release_what_they_held()
    {
        await using var controller = await StartAsync();
        int globexPort = FreePort.Udp(Globex), busyPort = FreePort.Udp(Busy), ringPort = FreePort.Udp(Ring), silentPort = FreePort.Udp(Silent);
        await controller.ProvisionAsync(Document(
            new Dictionary<string, int> { ["globex-main"] = globexPort, ["busy"] = busyPort, ["ring"] = ringPort, ["silent"] = silentPort },
            new Dictionary<string, LimitsSpec> { ["acme-hq"] = new() { MaxCalls = 50, MaxKbps = 10_000 } }));

        // The silent PBX takes INVITEs and never answers: the proxy's transaction times out.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(Silent, silentPort));
        await using var answering = await Sipp.StartServerAsync("uas-answer.xml", Globex, globexPort, calls: 3);
        await using var busy = await Sipp.StartServerAsync("limits-uas-busy.xml", Busy, busyPort, calls: 3);
        await using var ringing = await Sipp.StartServerAsync("limits-uas-ring.xml", Ring, ringPort, calls: 3);

        int answeredPort = FreePort.Udp(Acme), busyCaller = FreePort.Udp(Acme), cancelCaller = FreePort.Udp(Acme), silentCaller = FreePort.Udp(Acme);
        await using var toSilent = Sipp.StartClient("limits-uac-hold.xml", Acme, silentCaller, controller.SipEndpoint, SilentDid, calls: 2,
            replace: new Dictionary<string, string> { ["HOLD_MS"] = "100" });
        // The answered calls are held long enough (12 s, below sipp's 30 s run timeout) that they and the two silent ones
        // (up until Timer B, 32 s) are up together however slowly a loaded machine starts the sipps; with the 1 s they
        // used to hold, the wait below could miss its window.
        await using var toAnswer = Sipp.StartClient("limits-uac-hold.xml", Acme, answeredPort, controller.SipEndpoint, GlobexDid, calls: 3,
            replace: new Dictionary<string, string> { ["HOLD_MS"] = "12000" });
        await using var toBusy = Sipp.StartClient("limits-uac-hold.xml", Acme, busyCaller, controller.SipEndpoint, BusyDid, calls: 3,
            replace: new Dictionary<string, string> { ["HOLD_MS"] = "100" });
        await using var toRing = Sipp.StartClient("limits-uac-cancel.xml", Acme, cancelCaller, controller.SipEndpoint, RingDid, calls: 3);

        // While they are up, the live view counts them: 3 answered calls on globex-main, 2 unanswered to the silent PBX.
        await Await.UntilAsync(() => controller.Registry.OpenDialogCount, n => n >= 5, Patience, "calls in progress");
        await Await.UntilAsync(async () => (await controller.LiveViewAsync()).Pbxs.Single(p => p.Id == "globex-main").Calls, n => n == 3, Patience,
            "the 3 answered calls in the live view");

        foreach (var (caller, name) in new[] { (toAnswer, "answered"), (toBusy, "busy"), (toRing, "cancelled") })
        {
            var r = await caller.WaitAsync(TimeSpan.FromSeconds(90));
            r.AllCallsSucceeded.ShouldBeTrue($"{name}: {r}");
        }

        // The timed-out calls end when the proxy gives up on the silent PBX (Timer B, 32 s).
        await Await.UntilAsync(() => controller.Registry.OpenDialogCount, n => n == 0, TimeSpan.FromSeconds(90), "every call released");
        var view = await controller.LiveViewAsync();
        view.OpenCalls.ShouldBe(0);
        view.Pbxs.ShouldAllBe(p => p.Calls == 0 && p.Kbps == 0);
        view.Tenants.ShouldAllBe(t => t.Calls == 0 && t.Kbps == 0);
        // The registry releases a call before its end is committed: the CDRs follow a moment later.
        await Await.UntilAsync(() => controller.OpenCdrsAsync(), c => c.Count == 0, Patience, "every CDR ended");

        (await controller.CdrsFromAsync(Acme, answeredPort)).ShouldAllBe(c => c.Disposition == CdrDispositions.Answered);
        (await controller.CdrsFromAsync(Acme, busyCaller)).ShouldAllBe(c => c.Disposition == CdrDispositions.Busy);
        (await controller.CdrsFromAsync(Acme, cancelCaller)).ShouldAllBe(c => c.Disposition == CdrDispositions.Cancelled && c.Kbps == 24);
        (await controller.CdrsFromAsync(Acme, silentCaller)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task After_a_crash_a_new_controller_counts_exactly_the_calls_still_open_in_the_event_store()
    {
        string schema;
        int globexPort = FreePort.Udp(Globex);
        var document = Document(new Dictionary<string, int> { ["globex-main"] = globexPort },
            new Dictionary<string, LimitsSpec> { ["acme-hq"] = new() { MaxCalls = 10 }, ["globex-main"] = new() { MaxKbps = 1000 } });
        // The caller offers PCMU (worst case, 80 kbit/s) and G729; the callee answers G729: 24 kbit/s once answered.
        var callee = await Sipp.StartServerAsync("uas-answer.xml", Globex, globexPort, calls: 4,
            replace: new Dictionary<string, string> { ["RTP/AVP 0\na=rtpmap:0 PCMU/8000"] = "RTP/AVP 18\na=rtpmap:18 G729/8000" });
        var callers = (Sipp?)null;
        try
        {
            await using (var first = await StartAsync())
            {
                schema = first.Schema;
                await first.ProvisionAsync(document);
                callers = Sipp.StartClient("limits-uac-hold.xml", Acme, FreePort.Udp(Acme), first.SipEndpoint, GlobexDid, calls: 4,
                    replace: new Dictionary<string, string>
                    {
                        ["HOLD_MS"] = "120000",
                        ["RTP/AVP 0 8\na=rtpmap:0 PCMU/8000\na=rtpmap:8 PCMA/8000"] = "RTP/AVP 0 18\na=rtpmap:0 PCMU/8000\na=rtpmap:18 G729/8000",
                    });
                await Await.UntilAsync(async () => (await first.OpenCdrsAsync()).Count(c => c.AnsweredAt is not null), n => n == 4, Patience, "4 answered calls");
                first.Registry.OpenDialogCount.ShouldBe(4);
                var answered = (await first.OpenCdrsAsync()).First();
                var events = await new CallQueries(first.Store).ReplayAsync(answered.CallId);
                events.Select(e => e.Type).ShouldBe(["call_received", "call_routed", "bandwidth_reserved", "call_answered", "bandwidth_changed"]);
                events[4].Data.ShouldContain("\"fromKbps\":80");
                events[4].Data.ShouldContain("\"toKbps\":24");
                events[4].Data.ShouldContain("answer settled");
            } // the controller goes away with the calls up: nothing ends them
        }
        finally
        {
            if (callers is not null) await callers.DisposeAsync();
            await callee.DisposeAsync();
        }

        await using (var second = await StartAsync(schema))
            await TheOpenCallsAreCountedAsync(second);

        // A controller whose maximum call duration these calls have outlived does not count them, and its proxy ends
        // the dialogs it takes back at once (BYE to both), as calls whose end was not seen.
        await using var third = await StartAsync(schema, maxCallDuration: TimeSpan.FromMilliseconds(1));
        third.Registry.OpenDialogCount.ShouldBe(0);
        await Await.UntilAsync(() => third.OpenCdrsAsync(), open => open.Count == 0, Patience, "the outlived calls ended");
        await using var session = third.Store.QuerySession();
        var ended = await session.Query<Cdr>().ToListAsync();
        ended.Count.ShouldBe(4);
        ended.ShouldAllBe(c => c.EndedBy == "system" && c.Reason!.Contains("end never seen"));
    }

    private static async Task TheOpenCallsAreCountedAsync(LimitsController second)
    {
        var open = await second.OpenCdrsAsync();
        open.Count.ShouldBe(4);
        second.Registry.OpenDialogCount.ShouldBe(open.Count);
        var view = await second.LiveViewAsync();
        view.OpenCalls.ShouldBe(4);
        view.Pbxs.Single(p => p.Id == "acme-hq").ShouldSatisfyAllConditions(p => p.Calls.ShouldBe(4), p => p.Kbps.ShouldBe(4 * 24), p => p.MaxCalls.ShouldBe(10));
        view.Pbxs.Single(p => p.Id == "globex-main").ShouldSatisfyAllConditions(p => p.Calls.ShouldBe(4), p => p.MaxKbps.ShouldBe(1000));
        view.Tenants.Single(t => t.Id == "acme").Calls.ShouldBe(4);
    }
}
