using CallControl.Routing;
using NodaTime;
using Shouldly;
using Xunit;

namespace CallControl.Tests.Routing;

public class GatewayProbeTrackerTests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 26, 14, 2);
    private static readonly ProbeThresholds Thresholds = new(3, 2);
    private static readonly ProbeResult Timeout = new(false, null, "no response to OPTIONS");
    private static readonly ProbeResult Ok = new(true, 200, "OK", Duration.FromMilliseconds(12));

    private static ProbeStep Run(ProbeTrackerState state, params ProbeResult[] probes)
    {
        var events = new List<IHealthEvent>();
        var i = 0;
        foreach (var probe in probes)
        {
            var step = GatewayProbeTracker.Next(state, probe, Thresholds, Now + Duration.FromSeconds(30 * i++));
            state = step.State;
            events.AddRange(step.Events);
        }
        return new ProbeStep(state, events);
    }

    [Fact]
    public void A_gateway_is_marked_down_exactly_when_failures_reach_the_threshold()
    {
        var start = ProbeTrackerState.Initial(ProbeSubjectKind.Gateway, "gw-a");

        Run(start, Timeout, Timeout).Events.ShouldBeEmpty();
        var step = Run(start, Timeout, Timeout, Timeout);

        var down = step.Events.ShouldHaveSingleItem().ShouldBeOfType<GatewayMarkedDown>();
        down.GatewayId.ShouldBe("gw-a");
        down.Probe.ShouldBe(Timeout);
        down.Reason.ShouldContain("3 consecutive failed");
        down.At.ShouldBe(Now + Duration.FromSeconds(60));
        step.State.IsUp.ShouldBeFalse();
        Run(step.State, Timeout, Timeout).Events.ShouldBeEmpty(); // no repeats while down
    }

    [Fact]
    public void A_success_resets_the_failure_count()
    {
        Run(ProbeTrackerState.Initial(ProbeSubjectKind.Gateway, "gw-a"), Timeout, Timeout, Ok, Timeout, Timeout).Events.ShouldBeEmpty();
    }

    [Fact]
    public void A_down_gateway_comes_back_after_the_recovery_threshold()
    {
        // Given gw-a marked down (state rebuilt from its events)
        var down = new GatewayMarkedDown("gw-a", "3 consecutive failed probe(s)", Timeout, Now);
        var state = ProbeTrackerState.Initial(ProbeSubjectKind.Gateway, "gw-a").Apply(down);

        Run(state, Ok).Events.ShouldBeEmpty();
        Run(state, Ok, Timeout, Ok).Events.ShouldBeEmpty();
        var up = Run(state, Ok, Ok).Events.ShouldHaveSingleItem().ShouldBeOfType<GatewayMarkedUp>();
        up.Probe.ShouldBe(Ok);
    }

    [Fact]
    public void Health_events_fold_into_the_router_input()
    {
        var health = NetworkHealth.AllUp
            .Apply(new GatewayMarkedDown("gw-a", "down", Timeout, Now))
            .Apply(new GatewayMarkedDown("gw-b", "down", Timeout, Now))
            .Apply(new GatewayMarkedUp("gw-a", "up", Ok, Now));

        health.DownGateways.Keys.ShouldBe(["gw-b"]);
    }

    [Fact]
    public void PBX_probes_produce_reachability_events()
    {
        var step = Run(ProbeTrackerState.Initial(ProbeSubjectKind.Pbx, "acme-hq"), Timeout, Timeout, Timeout);

        step.Events.ShouldHaveSingleItem().ShouldBeOfType<PbxMarkedUnreachable>().PbxId.ShouldBe("acme-hq");
        NetworkHealth.AllUp.ApplyAll(step.Events).UnreachablePbxs.ContainsKey("acme-hq").ShouldBeTrue();
    }
}
