using CallControl.Calls;
using CallControl.Host;
using CallControl.Projections.Cdrs;
using CallControl.Provisioning;
using CallControl.Routing;
using CallControl.Tests.Infrastructure;
using Marten;
using Shouldly;

namespace CallControl.Tests.Routing;

/// <summary>gw-a probed every second, down after 2 failed probes, up after 1 good one; probes time out after 300 ms.</summary>
public sealed class GatewayProbingFixture : RoutingFixture
{
    protected override ControllerSettings Configure(ControllerSettings settings) => settings with { ProbeTimeout = TimeSpan.FromMilliseconds(300) };

    public override ProvisioningDocument Document()
    {
        var document = base.Document();
        return document with
        {
            Gateways = document.Gateways.Select(g => g.Id == "gw-a"
                ? g with { Probe = new ProbeSpec { IntervalSeconds = 1, FailureThreshold = 2, RecoveryThreshold = 1 } }
                : g).ToList(),
        };
    }
}

public sealed class GatewayProbingTests(GatewayProbingFixture f) : IClassFixture<GatewayProbingFixture>
{
    private async Task<IReadOnlyList<IHealthEvent>> HealthEventsAsync(string gatewayId)
    {
        await using var session = f.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(HealthStreams.Gateway(gatewayId));
        return events.Select(e => (IHealthEvent)e.Data).ToList();
    }

    [Fact]
    public async Task A_gateway_that_fails_its_probes_is_marked_down_skipped_and_marked_up_when_it_answers_again()
    {
        // Nothing listens on gw-a's port: its OPTIONS time out.
        var events = await Eventually.Until(() => HealthEventsAsync("gw-a"), es => es.OfType<GatewayMarkedDown>().Any(), 20_000);
        var down = events.OfType<GatewayMarkedDown>().Single();
        down.Reason.ShouldContain("2 consecutive failed probe(s)");
        (down.Probe.Success, down.Probe.StatusCode).ShouldBe((false, (int?)null));
        down.Probe.Detail.ShouldContain("no answer to OPTIONS");
        f.Health.Current.DownGateways.ShouldContainKey("gw-a");
        var whileDown = f.Now;

        // A call now leaves through gw-b alone, and says why gw-a was skipped.
        await using (var gwB = await Sipp.StartServerAsync("uas-answer.xml", RoutingFixture.GwB, f.GwBPort))
        {
            var port = FreePort.Udp(RoutingFixture.Acme);
            await using var caller = Sipp.StartClient("uac-call.xml", RoutingFixture.Acme, port, f.SipEndpoint, "0301234567");
            var result = await caller.WaitAsync();
            result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
            var cdr = await f.FinalCdrFromAsync(RoutingFixture.Acme, port, CdrDispositions.Answered);
            var routed = await f.SingleEventAsync<CallRouted>(cdr.Id);
            routed.Targets!.Select(t => t.Id).ShouldBe(["gw-b"]);
            routed.Candidates.ShouldContain(c => c.Kind == "gateway" && c.Id == "gw-a" && c.Outcome == "skipped" && c.Reason.Contains("marked down"));
        }

        // gw-a answers OPTIONS again: one good probe brings it back.
        await using var gwA = await Sipp.StartServerAsync("options-ok.xml", RoutingFixture.GwA, f.GwAPort, calls: 1000);
        events = await Eventually.Until(() => HealthEventsAsync("gw-a"), es => es.OfType<GatewayMarkedUp>().Any(), 20_000);
        var up = events.OfType<GatewayMarkedUp>().Single();
        (up.Probe.Success, up.Probe.StatusCode).ShouldBe((true, (int?)200));
        up.Probe.RoundTrip.ShouldNotBeNull();
        f.Health.Current.DownGateways.ShouldNotContainKey("gw-a");

        // The route query answers with the network health as of the instant asked for.
        var then = await f.RouteQuery.ExplainAsync("acme-hq", "0301234567", whileDown);
        then!.Targets.Single().ShouldStartWith("gateway:gw-b");
        then.DownGateways.ShouldContainKey("gw-a");
        var now = await f.RouteQuery.ExplainAsync("acme-hq", "0301234567", null);
        now!.Targets[0].ShouldStartWith("gateway:gw-a");
    }
}
