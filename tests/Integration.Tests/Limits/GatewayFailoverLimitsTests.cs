using System.Net;
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
