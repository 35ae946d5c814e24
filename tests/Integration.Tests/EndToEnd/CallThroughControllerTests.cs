using System.Net;
using CallControl.Calls;
using CallControl.Host.Calls;
using CallControl.Projections.Cdrs;
using CallControl.Tests.Infrastructure;
using Marten;
using Shouldly;

namespace CallControl.Tests.EndToEnd;

/// <summary>
/// Real calls through the controller: sipp as acme-hq on 127.0.0.11 calls a globex DID, sipp as
/// globex-main on 127.0.0.12 answers; the CDR and the event stream must say what happened.
/// </summary>
public sealed class CallThroughControllerTests(ControllerFixture controller) : IClassFixture<ControllerFixture>
{
    private const string GlobexDid = "+31205550200";

    private async Task<Cdr> CdrOfOnlyCallFromAsync(int callerPort)
    {
        await using var session = controller.Store.QuerySession();
        var source = $"udp:{ControllerFixture.AcmeAddress}:{callerPort}";
        var cdrs = await session.Query<Cdr>().Where(c => c.Source == source).ToListAsync();
        return cdrs.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task A_call_between_two_demo_pbxs_is_proxied_and_recorded()
    {
        await using var callee = await Sipp.StartServerAsync("uas-answer.xml", ControllerFixture.GlobexAddress, controller.GlobexPort);
        var callerPort = FreePort.Udp(ControllerFixture.AcmeAddress);
        await using var caller = Sipp.StartClient("uac-call.xml", ControllerFixture.AcmeAddress, callerPort, controller.SipEndpoint, GlobexDid);

        var callerResult = await caller.WaitAsync();
        callerResult.AllCallsSucceeded.ShouldBeTrue(callerResult.ToString());
        var calleeResult = await callee.WaitAsync();
        calleeResult.AllCallsSucceeded.ShouldBeTrue(calleeResult.ToString());

        // The 200 was relayed only after CallAnswered was committed, and the BYE's answer after CallEnded
        // was handed to the writer; the end is committed by the time sipp has its 200 for the BYE.
        var cdr = await Eventually(() => CdrOfOnlyCallFromAsync(callerPort), c => c.Disposition == CdrDispositions.Answered);
        cdr.SourcePbxId.ShouldBe("acme-hq");
        cdr.SourceTenantId.ShouldBe("acme");
        cdr.TargetId.ShouldBe("globex-main");
        cdr.TargetTenantId.ShouldBe("globex");
        cdr.Dialled.ShouldBe(GlobexDid);
        cdr.EndedBy.ShouldBe("caller");
        cdr.AnsweredAt.ShouldNotBeNull();
        cdr.Duration.ShouldBeGreaterThan(NodaTime.Duration.Zero);

        var events = await new CallQueries(controller.Store).ReplayAsync(cdr.CallId);
        events.Select(e => e.Type).ShouldBe(["call_received", "call_routed", "bandwidth_reserved", "call_answered", "call_ended"]);
    }

    [Fact]
    public async Task An_invite_from_an_unknown_address_gets_403_and_is_recorded()
    {
        var port = FreePort.Udp(ControllerFixture.StrangerAddress);
        await using var caller = Sipp.StartClient("uac-expect-error.xml", ControllerFixture.StrangerAddress, port, controller.SipEndpoint, GlobexDid,
            replace: new Dictionary<string, string> { ["EXPECTED_STATUS"] = "403" });
        var result = await caller.WaitAsync();
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());

        await using var session = controller.Store.QuerySession();
        var cdr = (await session.Query<Cdr>().Where(c => c.Source == $"udp:{ControllerFixture.StrangerAddress}:{port}").ToListAsync()).ShouldHaveSingleItem();
        cdr.Disposition.ShouldBe(CdrDispositions.Rejected);
        cdr.StatusCode.ShouldBe(403);
        cdr.Reason!.ShouldContain("not a provisioned PBX");
    }

    [Fact]
    public async Task An_invite_to_a_number_nobody_owns_gets_404_and_is_recorded()
    {
        var port = FreePort.Udp(ControllerFixture.AcmeAddress);
        await using var caller = Sipp.StartClient("uac-expect-error.xml", ControllerFixture.AcmeAddress, port, controller.SipEndpoint, "+31205559999",
            replace: new Dictionary<string, string> { ["EXPECTED_STATUS"] = "404" });
        var result = await caller.WaitAsync();
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());

        var cdr = await CdrOfOnlyCallFromAsync(port);
        cdr.Disposition.ShouldBe(CdrDispositions.Rejected);
        cdr.StatusCode.ShouldBe(404);
        var events = await new CallQueries(controller.Store).ReplayAsync(cdr.CallId);
        events.Select(e => e.Type).ShouldBe(["call_received", "call_rejected"]);
    }

    /// <summary>Polls a query until its result satisfies a condition (bounded): for the few facts that
    /// are committed after the SIP exchange a peer can observe has finished.</summary>
    private static async Task<T> Eventually<T>(Func<Task<T>> query, Func<T, bool> done, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            try
            {
                var value = await query();
                if (done(value) || DateTime.UtcNow > deadline) return value;
            }
            catch (ShouldAssertException) when (DateTime.UtcNow <= deadline) { }
            await Task.Delay(50);
        }
    }
}
