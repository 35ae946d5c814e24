using System.Net;
using CallControl.Calls;
using CallControl.Projections.Cdrs;
using CallControl.Routing;
using CallControl.Tests.Infrastructure;
using Shouldly;

namespace CallControl.Tests.Routing;

public sealed class RoutedCallsFixture : RoutingFixture;

/// <summary>
/// Calls through the controller to and from sipp gateways: inbound DIDs, dialplans, LCR, failover,
/// filters, forwarding, voicemail fallback, emergency. Each asserts what the peer saw and what was recorded.
/// </summary>
public sealed class RoutedCallsTests(RoutedCallsFixture f) : IClassFixture<RoutedCallsFixture>
{
    /// <summary>Replacement for uas-answer-expect.xml: the INVITE must match <paramref name="regexp"/> (escaped for the XML).</summary>
    internal static Dictionary<string, string> Expect(string regexp) =>
        new() { ["EXPECT_REGEXP"] = regexp.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;") };

    /// <summary>Places one call from <paramref name="from"/> dialling <paramref name="dialled"/>; returns sipp's result and the caller's port.</summary>
    private async Task<(SippResult Result, int Port)> CallAsync(IPAddress from, string dialled, string scenario = "uac-call.xml", string? expectStatus = null)
    {
        var port = FreePort.Udp(from);
        await using var caller = Sipp.StartClient(scenario, from, port, f.SipEndpoint, dialled,
            replace: expectStatus is null ? null : new Dictionary<string, string> { ["EXPECTED_STATUS"] = expectStatus });
        return (await caller.WaitAsync(), port);
    }

    [Fact]
    public async Task An_inbound_call_from_a_gateway_to_a_DID_reaches_the_pbx()
    {
        await using var acme = await Sipp.StartServerAsync("uas-answer-expect.xml", RoutingFixture.Acme, f.AcmePort,
            replace: Expect(@"INVITE sip:\+31205550150@"));
        var (result, port) = await CallAsync(RoutingFixture.GwA, "31205550150"); // carriers often drop the '+'
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        (await acme.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();

        var cdr = await f.FinalCdrFromAsync(RoutingFixture.GwA, port, CdrDispositions.Answered);
        cdr.SourceGatewayId.ShouldBe("gw-a");
        cdr.TargetKind.ShouldBe("pbx");
        cdr.TargetId.ShouldBe("acme-hq");
        cdr.NormalizedNumber.ShouldBe("+31205550150");
        var routed = await f.SingleEventAsync<CallRouted>(cdr.Id);
        routed.NormalizationRule.ShouldBe("gateway-plus");
    }

    [Fact]
    public async Task Two_tenants_normalize_the_same_national_digits_with_their_own_dialplans()
    {
        // acme's dialplan is Dutch (0 -> +31), globex's German (0 -> +49); both leave through LCR "+" on gw-a.
        await using (var gw = await Sipp.StartServerAsync("uas-answer-expect.xml", RoutingFixture.GwA, f.GwAPort,
                         replace: Expect(@"INVITE sip:\+31301234567@")))
        {
            var (result, port) = await CallAsync(RoutingFixture.Acme, "0301234567");
            result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
            (await gw.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();
            var cdr = await f.FinalCdrFromAsync(RoutingFixture.Acme, port, CdrDispositions.Answered);
            var routed = await f.SingleEventAsync<CallRouted>(cdr.Id);
            (routed.NormalizedNumber, routed.NormalizationRule).ShouldBe(("+31301234567", "national"));
            routed.Normalization!.ShouldContain("acme-nl");
            routed.TargetKind.ShouldBe("gateway");
            routed.TargetId.ShouldBe("gw-a");
        }
        await using (var gw = await Sipp.StartServerAsync("uas-answer-expect.xml", RoutingFixture.GwA, f.GwAPort,
                         replace: Expect(@"INVITE sip:\+49301234567@")))
        {
            var (result, port) = await CallAsync(RoutingFixture.Globex, "0301234567");
            result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
            (await gw.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();
            var cdr = await f.FinalCdrFromAsync(RoutingFixture.Globex, port, CdrDispositions.Answered);
            var routed = await f.SingleEventAsync<CallRouted>(cdr.Id);
            (routed.NormalizedNumber, routed.NormalizationRule).ShouldBe(("+49301234567", "national"));
            routed.Normalization!.ShouldContain("globex-de");
        }
    }

    [Fact]
    public async Task LCR_takes_the_longest_matching_prefix()
    {
        // "+44" (carrier uk: gw-b first) beats "+" (carrier default: gw-a first).
        await using var gwB = await Sipp.StartServerAsync("uas-answer.xml", RoutingFixture.GwB, f.GwBPort);
        var (result, port) = await CallAsync(RoutingFixture.Acme, "00442071234567");
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        var cdr = await f.FinalCdrFromAsync(RoutingFixture.Acme, port, CdrDispositions.Answered);
        cdr.TargetId.ShouldBe("gw-b");
        var routed = await f.SingleEventAsync<CallRouted>(cdr.Id);
        routed.Targets!.Select(t => t.Id).ShouldBe(["gw-b", "gw-a"]);
        routed.Candidates.ShouldContain(c => c.Kind == "lcr" && c.Id == "+44" && c.Outcome == "matched");
        routed.Candidates.ShouldNotContain(c => c.Kind == "lcr" && c.Id == "+");
    }

    [Fact]
    public async Task A_gateway_answering_503_fails_over_to_the_next()
    {
        await using var gwA = await Sipp.StartServerAsync("uas-reject.xml", RoutingFixture.GwA, f.GwAPort,
            replace: new Dictionary<string, string> { ["REJECT_STATUS"] = "503" });
        await using var gwB = await Sipp.StartServerAsync("uas-answer.xml", RoutingFixture.GwB, f.GwBPort);
        var (result, port) = await CallAsync(RoutingFixture.Acme, "0301234567");
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        (await gwA.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();

        var cdr = await f.FinalCdrFromAsync(RoutingFixture.Acme, port, CdrDispositions.Answered);
        cdr.TargetId.ShouldBe("gw-b");
        cdr.FailedAttempts.ShouldBe(1);
        var failed = await f.SingleEventAsync<CallAttemptFailed>(cdr.Id);
        (failed.TargetKind, failed.TargetId, failed.StatusCode, failed.AttemptIndex).ShouldBe(("gateway", "gw-a", 503, 0));
    }

    [Fact]
    public async Task A_gateway_that_never_answers_is_left_after_its_ring_timeout()
    {
        await using var gwA = await Sipp.StartServerAsync("uas-ring-forever.xml", RoutingFixture.GwA, f.GwAPort);
        await using var gwB = await Sipp.StartServerAsync("uas-answer.xml", RoutingFixture.GwB, f.GwBPort);
        var (result, port) = await CallAsync(RoutingFixture.Acme, "0301234567");
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        (await gwA.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();

        var cdr = await f.FinalCdrFromAsync(RoutingFixture.Acme, port, CdrDispositions.Answered);
        cdr.TargetId.ShouldBe("gw-b");
        var failed = await f.SingleEventAsync<CallAttemptFailed>(cdr.Id);
        failed.TargetId.ShouldBe("gw-a");
        // Given up on gw-a after its 2 s ring timeout, not at once and not at Timer B (32 s).
        (failed.At - cdr.ReceivedAt).ShouldBeInRange(NodaTime.Duration.FromMilliseconds(1_900), NodaTime.Duration.FromSeconds(10));
    }

    [Fact]
    public async Task A_blocked_prefix_is_refused_with_its_reason_while_an_allow_listed_tenant_passes()
    {
        var (refused, port) = await CallAsync(RoutingFixture.Acme, "0900123456", "uac-expect-error.xml", "403");
        refused.AllCallsSucceeded.ShouldBeTrue(refused.ToString());
        var cdr = await f.FinalCdrFromAsync(RoutingFixture.Acme, port, CdrDispositions.Rejected);
        cdr.StatusCode.ShouldBe(403);
        cdr.Reason!.ShouldContain("blocked by global filter +31900");

        await using var gwA = await Sipp.StartServerAsync("uas-answer.xml", RoutingFixture.GwA, f.GwAPort);
        var (allowed, globexPort) = await CallAsync(RoutingFixture.Globex, "0031900123456");
        allowed.AllCallsSucceeded.ShouldBeTrue(allowed.ToString());
        (await f.FinalCdrFromAsync(RoutingFixture.Globex, globexPort, CdrDispositions.Answered)).TargetId.ShouldBe("gw-a");
    }

    [Fact]
    public async Task A_forwarded_DID_reaches_its_target_with_a_Diversion_header()
    {
        await using var globex = await Sipp.StartServerAsync("uas-answer-expect.xml", RoutingFixture.Globex, f.GlobexPort,
            replace: Expect(@"Diversion: <sip:\+31205550177@cloud>;reason=unconditional"));
        var (result, port) = await CallAsync(RoutingFixture.GwB, "+31205550177");
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        (await globex.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();
        var cdr = await f.FinalCdrFromAsync(RoutingFixture.GwB, port, CdrDispositions.Answered);
        cdr.TargetId.ShouldBe("globex-main");
        var routed = await f.SingleEventAsync<CallRouted>(cdr.Id);
        routed.Destination.ShouldBe("+31205550222");
        routed.Candidates.ShouldContain(c => c.Kind == "forward" && c.Id == "+31205550177" && c.Outcome == "followed");
    }

    [Fact]
    public async Task A_call_to_an_unreachable_pbx_goes_to_its_voicemail_with_Diversion()
    {
        await f.Health.RecordAsync(new PbxMarkedUnreachable("acme-hq", "test: 3 consecutive failed probe(s)",
            new ProbeResult(false, null, "no answer"), f.Now));
        try
        {
            await using var voicemail = await Sipp.StartServerAsync("uas-answer-expect.xml", RoutingFixture.Voicemail, f.VoicemailPort,
                replace: Expect(@"Diversion: <sip:\+31205550150@cloud>;reason=unavailable"));
            var (result, port) = await CallAsync(RoutingFixture.Globex, "+31205550150");
            result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
            (await voicemail.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();
            var cdr = await f.FinalCdrFromAsync(RoutingFixture.Globex, port, CdrDispositions.Answered);
            (cdr.TargetKind, cdr.TargetId).ShouldBe(("voicemail", "acme-hq"));
            var routed = await f.SingleEventAsync<CallRouted>(cdr.Id);
            routed.Candidates.ShouldContain(c => c.Kind == "pbx" && c.Id == "acme-hq" && c.Outcome == "skipped");
        }
        finally
        {
            await f.Health.RecordAsync(new PbxMarkedReachable("acme-hq", "test over", new ProbeResult(true, 200, "OK"), f.Now));
        }
    }

    [Fact]
    public async Task A_pbx_that_fails_the_call_with_503_sends_it_on_to_its_voicemail()
    {
        // No probe has marked acme-hq down: it is found unreachable on this very call.
        await using var acme = await Sipp.StartServerAsync("uas-reject.xml", RoutingFixture.Acme, f.AcmePort,
            replace: new Dictionary<string, string> { ["REJECT_STATUS"] = "503" });
        await using var voicemail = await Sipp.StartServerAsync("uas-answer-expect.xml", RoutingFixture.Voicemail, f.VoicemailPort,
            replace: Expect(@"Diversion: <sip:\+31205550160@cloud>;reason=unavailable"));
        var (result, port) = await CallAsync(RoutingFixture.Globex, "+31205550160");
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        (await acme.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();
        (await voicemail.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();

        var cdr = await f.FinalCdrFromAsync(RoutingFixture.Globex, port, CdrDispositions.Answered);
        cdr.TargetKind.ShouldBe("voicemail");
        var failed = await f.SingleEventAsync<CallAttemptFailed>(cdr.Id);
        (failed.TargetKind, failed.TargetId, failed.StatusCode).ShouldBe(("pbx", "acme-hq", 503));
        var routed = await f.SingleEventAsync<CallRouted>(cdr.Id);
        routed.Candidates.ShouldContain(c => c.Kind == "voicemail" && c.Outcome == "fallback");
    }

    [Fact]
    public async Task An_emergency_number_is_routed_while_everything_else_is_blocked()
    {
        var (refused, port) = await CallAsync(RoutingFixture.Initech, "+31301234567", "uac-expect-error.xml", "403");
        refused.AllCallsSucceeded.ShouldBeTrue(refused.ToString());
        (await f.FinalCdrFromAsync(RoutingFixture.Initech, port, CdrDispositions.Rejected)).Reason!.ShouldContain("of tenant initech");

        await using var gwB = await Sipp.StartServerAsync("uas-answer-expect.xml", RoutingFixture.GwB, f.GwBPort,
            replace: Expect(@"INVITE sip:\+?112@"));
        var (result, emergencyPort) = await CallAsync(RoutingFixture.Initech, "112");
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        (await gwB.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();
        var cdr = await f.FinalCdrFromAsync(RoutingFixture.Initech, emergencyPort, CdrDispositions.Answered);
        cdr.IsEmergency.ShouldBeTrue();
        cdr.TargetId.ShouldBe("gw-b");
        (await f.SingleEventAsync<CallRouted>(cdr.Id)).IsEmergency.ShouldBeTrue();
    }
}
