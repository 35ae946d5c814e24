using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CallControl.Calls;
using CallControl.Host.Calls;
using CallControl.Limits;
using CallControl.Projections.Cdrs;
using CallControl.Provisioning;
using CallControl.Tests.Infrastructure;
using Shouldly;
using static CallControl.Tests.Limits.LimitsController;

namespace CallControl.Tests.Limits;

/// <summary>Gateway channels through serial failover (gw-a answers 503, gw-b is tried next), and the Q.850
/// Reason header on refusals, with real sipp peers.</summary>
public sealed class GatewayFailoverLimitsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly IPAddress GwA = IPAddress.Parse("127.0.0.21");
    private static readonly IPAddress GwB = IPAddress.Parse("127.0.0.22");
    private const string Outbound = "0301234567"; // acme-hq, LCR "+": gw-a first, then gw-b

    private static ProvisioningDocument WithGateways(ProvisioningDocument doc, int gwAPort, int gwBPort, int? gwBChannels) => doc with
    {
        Gateways = doc.Gateways.Select(g => g with
        {
            Port = g.Id == "gw-a" ? gwAPort : gwBPort,
            MaxChannels = g.Id == "gw-b" ? gwBChannels : null,
            Probe = new ProbeSpec { IntervalSeconds = 3600, FailureThreshold = 3 },
        }).ToList(),
    };

    private static int Channels(LimitsController controller, string gateway) =>
        controller.Registry.ActiveCallsOf(ScopeId.Gateway(gateway));

    [Fact]
    public async Task Failover_moves_the_channel_from_the_failed_gateway_to_the_one_that_answers()
    {
        await using var controller = await StartAsync();
        int gwAPort = FreePort.Udp(GwA), gwBPort = FreePort.Udp(GwB);
        await controller.ProvisionAsync(WithGateways(Document(new Dictionary<string, int>()), gwAPort, gwBPort, gwBChannels: 1));
        await using var gwA = await Sipp.StartServerAsync("uas-reject.xml", GwA, gwAPort, replace: new Dictionary<string, string> { ["REJECT_STATUS"] = "503" });
        await using var gwB = await Sipp.StartServerAsync("uas-answer-until-bye.xml", GwB, gwBPort);
        int port = FreePort.Udp(Acme);
        await using var caller = Sipp.StartClient("uac-call-hold.xml", Acme, port, controller.SipEndpoint, Outbound,
            replace: new Dictionary<string, string> { ["HOLD_MS"] = "15000" });

        // While the call is up on gw-b (held 15 s after the answer): gw-a holds nothing, gw-b one channel.
        var up = await Await.UntilAsync(async () => (await controller.CdrsFromAsync(Acme, port)).SingleOrDefault(),
            c => c?.AnsweredAt is not null, Patience, "the call answered by gw-b") ?? throw new InvalidOperationException();
        Channels(controller, "gw-a").ShouldBe(0);
        Channels(controller, "gw-b").ShouldBe(1);
        up.TargetId.ShouldBe("gw-b");
        up.LimitTarget.ShouldBe(new LinkRef(null, null, "gw-b"));
        var live = await controller.LiveViewAsync();
        live.Gateways.Single(g => g.Id == "gw-b").Calls.ShouldBe(1);
        live.Gateways.Where(g => g.Id == "gw-a").ShouldAllBe(g => g.Calls == 0);

        var result = await caller.WaitAsync();
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        var cdr = await Await.UntilAsync(async () => (await controller.CdrsFromAsync(Acme, port)).Single(), c => c.EndedAt is not null, Patience, "the call ended");
        cdr.Disposition.ShouldBe(CdrDispositions.Answered);
        await Await.UntilAsync(() => controller.Registry.OpenDialogCount, n => n == 0, Patience, "the call released");
        Channels(controller, "gw-a").ShouldBe(0);
        Channels(controller, "gw-b").ShouldBe(0);

        var events = await new CallQueries(controller.Store).ReplayAsync(cdr.CallId);
        // Recorded (and committed) before the INVITE went on to gw-b: after gw-a's failure, before the answer.
        events.Select(e => e.Type).Where(t => t != "bandwidth_changed").ShouldBe(
            ["call_received", "call_routed", "bandwidth_reserved", "call_attempt_failed", "call_retargeted", "call_answered", "call_ended"]);
        var moved = events.Single(e => e.Type == "call_retargeted").Data;
        moved.ShouldContain("\"gatewayId\":\"gw-a\"");
        moved.ShouldContain("\"gatewayId\":\"gw-b\"");
        moved.ShouldContain("\"fromCount\":0");
        moved.ShouldContain("\"toCount\":1");
    }

    [Fact]
    public async Task A_failover_gateway_at_its_channel_limit_is_skipped_with_the_reason_recorded()
    {
        await using var controller = await StartAsync();
        int gwAPort = FreePort.Udp(GwA), gwBPort = FreePort.Udp(GwB);
        // gw-b has no channel at all (0 suspends the link); nothing listens there, so an INVITE sent to it would time out.
        await controller.ProvisionAsync(WithGateways(Document(new Dictionary<string, int>()), gwAPort, gwBPort, gwBChannels: 0));
        await using var gwA = await Sipp.StartServerAsync("uas-reject.xml", GwA, gwAPort, replace: new Dictionary<string, string> { ["REJECT_STATUS"] = "503" });
        int port = FreePort.Udp(Acme);
        await using var caller = Sipp.StartClient("uac-expect-error.xml", Acme, port, controller.SipEndpoint, Outbound,
            replace: new Dictionary<string, string> { ["EXPECTED_STATUS"] = "503" });

        var result = await caller.WaitAsync();
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        var cdr = await Await.UntilAsync(async () => (await controller.CdrsFromAsync(Acme, port)).Single(), c => c.EndedAt is not null, Patience, "the call failed");
        cdr.ShouldSatisfyAllConditions(
            c => c.Disposition.ShouldBe(CdrDispositions.Failed),
            c => c.StatusCode.ShouldBe(503),
            c => c.FailedAttempts.ShouldBe(1),
            c => c.LimitHit.ShouldBe("gateway:gw-b channels limit 0: 0 in use (failover target 1 skipped)"));
        var events = await new CallQueries(controller.Store).ReplayAsync(cdr.CallId);
        events.Select(e => e.Type).ShouldBe(["call_received", "call_routed", "bandwidth_reserved", "call_attempt_failed", "failover_target_skipped", "call_failed"]);
        await Await.UntilAsync(() => controller.Registry.OpenDialogCount, n => n == 0, Patience, "the call released");
        Channels(controller, "gw-a").ShouldBe(0);
        Channels(controller, "gw-b").ShouldBe(0);
    }

    [Fact]
    public async Task A_full_gateway_is_skipped_at_admission_the_next_one_takes_the_call_and_all_full_is_refused()
    {
        await using var controller = await StartAsync();
        int gwAPort = FreePort.Udp(GwA), gwBPort = FreePort.Udp(GwB);
        var doc = WithGateways(Document(new Dictionary<string, int>()), gwAPort, gwBPort, gwBChannels: 1);
        await controller.ProvisionAsync(doc with { Gateways = doc.Gateways.Select(g => g with { MaxChannels = 1 }).ToList() });
        // Each gateway answers one call and holds it until the caller's BYE (its wait for the BYE outlasts the hold).
        var holdUntilBye = new Dictionary<string, string> { ["timeout=\"20000\""] = "timeout=\"120000\"" };
        await using var gwA = await Sipp.StartServerAsync("uas-answer-until-bye.xml", GwA, gwAPort, replace: holdUntilBye, runTimeout: TimeSpan.FromSeconds(150));
        await using var gwB = await Sipp.StartServerAsync("uas-answer-until-bye.xml", GwB, gwBPort, replace: holdUntilBye, runTimeout: TimeSpan.FromSeconds(150));
        // The two answered calls are held 25 s: the window in which the third call must find both gateways full. The test
        // waits for conditions inside it (not for time); if the window were missed, the third call would be admitted and
        // the test would fail, never pass wrongly.
        var hold = new Dictionary<string, string> { ["HOLD_MS"] = "25000" };

        int port1 = FreePort.Udp(Acme);
        await using var caller1 = Sipp.StartClient("limits-uac-hold.xml", Acme, port1, controller.SipEndpoint, Outbound, replace: hold, runTimeout: TimeSpan.FromSeconds(120));
        await Await.UntilAsync(async () => (await controller.CdrsFromAsync(Acme, port1)).SingleOrDefault(), c => c?.AnsweredAt is not null, Patience, "call 1 answered by gw-a");
        Channels(controller, "gw-a").ShouldBe(1);

        int port2 = FreePort.Udp(Acme);
        await using var caller2 = Sipp.StartClient("limits-uac-hold.xml", Acme, port2, controller.SipEndpoint, Outbound, replace: hold, runTimeout: TimeSpan.FromSeconds(120));
        var second = await Await.UntilAsync(async () => (await controller.CdrsFromAsync(Acme, port2)).SingleOrDefault(), c => c?.AnsweredAt is not null, Patience, "call 2 answered by gw-b")
            ?? throw new InvalidOperationException();
        second.ShouldSatisfyAllConditions(
            c => c.TargetId.ShouldBe("gw-b"),
            c => c.FailedAttempts.ShouldBe(0),
            c => c.LimitTarget.ShouldBe(new LinkRef(null, null, "gw-b")),
            c => c.LimitHit.ShouldBe("gateway:gw-a channels limit 1: 1 in use (target 0 skipped at admission)"));
        Channels(controller, "gw-a").ShouldBe(1);
        Channels(controller, "gw-b").ShouldBe(1);

        // The dry run shows why a live call now skips both.
        using (var http = new HttpClient { BaseAddress = new Uri(controller.HttpUrl) })
        {
            var route = await http.GetFromJsonAsync<JsonElement>($"/api/route?from=acme-hq&number={Outbound}");
            route.GetProperty("channels").EnumerateArray().Select(c => (c.GetProperty("gatewayId").GetString(), c.GetProperty("inUse").GetInt32(),
                c.GetProperty("maxChannels").GetInt32(), c.GetProperty("full").GetBoolean())).ShouldBe([("gw-a", 1, 1, true), ("gw-b", 1, 1, true)]);
        }

        int port3 = FreePort.Udp(Acme);
        await using (var caller3 = Sipp.StartClient("uac-expect-error.xml", Acme, port3, controller.SipEndpoint, Outbound,
                         replace: new Dictionary<string, string> { ["EXPECTED_STATUS"] = "503" }))
        {
            var refused = await caller3.WaitAsync();
            refused.AllCallsSucceeded.ShouldBeTrue(refused.ToString());
        }
        var third = await Await.UntilAsync(async () => (await controller.CdrsFromAsync(Acme, port3)).SingleOrDefault(), c => c?.EndedAt is not null, Patience, "call 3 recorded")
            ?? throw new InvalidOperationException();
        third.ShouldSatisfyAllConditions(
            c => c.Disposition.ShouldBe(CdrDispositions.Rejected),
            c => c.StatusCode.ShouldBe(503),
            c => c.Reason.ShouldBe("Limit reached: every target is full: gateway:gw-a (callee) channels limit 1, 1 channels in use, this call needs 1; "
                + "gateway:gw-b (callee) channels limit 1, 1 channels in use, this call needs 1"));

        // Both held calls end by their BYE; everything is released.
        foreach (var caller in new[] { caller1, caller2 })
        {
            var result = await caller.WaitAsync(TimeSpan.FromSeconds(120));
            result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        }
        await Await.UntilAsync(() => controller.Registry.OpenDialogCount, n => n == 0, Patience, "both calls released");
        Channels(controller, "gw-a").ShouldBe(0);
        Channels(controller, "gw-b").ShouldBe(0);
        (await controller.LiveViewAsync()).Gateways.Where(g => g.Id is "gw-a" or "gw-b").ShouldAllBe(g => g.Calls == 0);

        var queries = new CallQueries(controller.Store);
        // Call 2 went straight to gw-b: no attempt on gw-a (gw-a never got its INVITE), the skip recorded before the reservation.
        (await queries.ReplayAsync(second.CallId)).Select(e => e.Type).Where(t => t != "bandwidth_changed").ShouldBe(
            ["call_received", "call_routed", "failover_target_skipped", "bandwidth_reserved", "call_answered", "call_ended"]);
        var routed = (await queries.ReplayAsync(second.CallId)).Single(e => e.Type == "call_routed").Data;
        routed.ShouldContain("\"targetId\":\"gw-b\"");
        routed.ShouldContain("gateway:gw-a (callee) channels limit 1, 1 channels in use");
        (await queries.ReplayAsync(third.CallId)).Select(e => e.Type).ShouldBe(["call_received", "call_rejected", "call_limit_hit", "call_limit_hit"]);
        // gw-a answered exactly the one call it was sent.
        (await gwA.WaitAsync(TimeSpan.FromSeconds(60))).AllCallsSucceeded.ShouldBeTrue();
    }

    [Theory]
    [InlineData("caller", "503", "34")]
    [InlineData("callee", "486", "17")]
    public async Task A_refusal_for_a_limit_carries_a_Q850_reason_header(string side, string status, string cause)
    {
        await using var controller = await StartAsync();
        await controller.ProvisionAsync(Document(new Dictionary<string, int>(),
            new Dictionary<string, LimitsSpec> { [side == "caller" ? "acme-hq" : "globex-main"] = new() { MaxCalls = 0 } }));
        int port = FreePort.Udp(Acme);
        await using var caller = Sipp.StartClient("uac-expect-reason.xml", Acme, port, controller.SipEndpoint, GlobexDid,
            replace: new Dictionary<string, string>
            {
                ["EXPECTED_STATUS"] = status,
                // In an XML attribute: the quote is an entity.
                ["EXPECTED_REASON"] = $"^ *Q\\.850;cause={cause};text=&quot;Limit reached: pbx:[a-z-]+ \\({side}\\) concurrent calls limit 0",
            });

        var result = await caller.WaitAsync();
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        var cdr = (await controller.CdrsFromAsync(Acme, port)).Single();
        cdr.StatusCode.ShouldBe(int.Parse(status));
    }
}
