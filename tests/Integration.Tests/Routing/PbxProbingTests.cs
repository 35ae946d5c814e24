using CallControl.Calls;
using CallControl.Host;
using CallControl.Projections.Cdrs;
using CallControl.Provisioning;
using CallControl.Routing;
using CallControl.Tests.Infrastructure;
using Marten;
using Shouldly;

namespace CallControl.Tests.Routing;

/// <summary>acme-hq asks to be probed every second: unreachable after 2 failed probes, reachable after 1 good one.</summary>
public sealed class PbxProbingFixture : RoutingFixture
{
    protected override ControllerSettings Configure(ControllerSettings settings) => settings with { ProbeTimeout = TimeSpan.FromMilliseconds(300) };

    public override ProvisioningDocument Document()
    {
        var document = base.Document();
        return document with
        {
            Tenants = document.Tenants.Select(t => t with
            {
                Pbxs = t.Pbxs.Select(p => p.Id == "acme-hq"
                    ? p with { Probe = new ProbeSpec { IntervalSeconds = 1, FailureThreshold = 2, RecoveryThreshold = 1 } }
                    : p).ToList(),
            }).ToList(),
        };
    }
}

/// <summary>A PBX found down by its probes sends its DIDs' calls to its voicemail, and comes back when it answers.</summary>
public sealed class PbxProbingTests(PbxProbingFixture f) : IClassFixture<PbxProbingFixture>
{
    private async Task<IReadOnlyList<IHealthEvent>> HealthEventsAsync()
    {
        await using var session = f.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(HealthStreams.Pbx("acme-hq"));
        return events.Select(e => (IHealthEvent)e.Data).ToList();
    }

    [Fact]
    public async Task A_pbx_marked_unreachable_by_its_probes_gets_its_calls_on_voicemail_until_it_answers_again()
    {
        // Nothing listens on acme-hq's port: its OPTIONS time out.
        var events = await Eventually.Until(HealthEventsAsync, es => es.OfType<PbxMarkedUnreachable>().Any(), 20_000);
        events.OfType<PbxMarkedUnreachable>().Single().Probe.Detail.ShouldContain("no answer to OPTIONS");

        await using (var voicemail = await Sipp.StartServerAsync("uas-answer-expect.xml", RoutingFixture.Voicemail, f.VoicemailPort,
                         replace: RoutedCallsTests.Expect(@"Diversion: <sip:\+31205550170@cloud>;reason=unavailable")))
        {
            var port = FreePort.Udp(RoutingFixture.Globex);
            await using var caller = Sipp.StartClient("uac-call.xml", RoutingFixture.Globex, port, f.SipEndpoint, "+31205550170");
            var result = await caller.WaitAsync();
            result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
            (await voicemail.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();
            var cdr = await f.FinalCdrFromAsync(RoutingFixture.Globex, port, CdrDispositions.Answered);
            cdr.TargetKind.ShouldBe("voicemail");
        }

        // The PBX answers OPTIONS again: marked reachable, with the probe that showed it.
        await using var acme = await Sipp.StartServerAsync("options-ok.xml", RoutingFixture.Acme, f.AcmePort, calls: 1000);
        var after = await Eventually.Until(HealthEventsAsync, es => es.OfType<PbxMarkedReachable>().Any(), 20_000);
        after.OfType<PbxMarkedReachable>().Single().Probe.StatusCode.ShouldBe(200);
        f.Health.Current.UnreachablePbxs.ShouldNotContainKey("acme-hq");
    }
}
