using System.Text;
using CallControl.Sip.Message;
using CallControl.Sip.Proxy;
using CallControl.Tests.TestSupport;
using Shouldly;

namespace CallControl.Tests.Proxy;

/// <summary><see cref="ForwardTarget.HideTopology"/>: the carrier (callee, 127.0.0.12) sees only the proxy; the
/// caller (127.0.0.11, behind an "upstream proxy" that record-routed) sees a normal dialog.</summary>
public class TopologyHidingTests
{
    private static string Headers(SipMessage m)
    {
        var text = Encoding.UTF8.GetString(m.Raw.Span);
        return text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
    }

    [Fact]
    public async Task Carrier_sees_only_the_proxy_and_in_dialog_requests_are_mapped_back()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        bed.Policy.Route = invite => new ForwardInvite([new ForwardTarget($"sip:{invite.RequestUriUser}@{bed.Callee.HostPort}", bed.Callee.SipEndpoint)
        {
            HideTopology = true,
        }]);
        var proxyHost = $"{bed.Proxy.Address}:{bed.Proxy.Port}";
        var upstream = $"<sip:{bed.Caller.HostPort};lr;upstream>";
        var callerBranch = bed.Caller.NewBranch();
        var text = SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, callerBranch,
                extraHeaders: $"Record-Route: {upstream}\r\nP-Asserted-Identity: <sip:alice@127.0.0.11>\r\nDiversion: <sip:200@127.0.0.11>;reason=unconditional\r\n" +
                              "P-Charging-Vector: icid-value=1234;icid-generated-at=127.0.0.11\r\nCall-Info: <http://127.0.0.11/photo.png>;purpose=icon\r\n" +
                              "Alert-Info: <http://127.0.0.11/ring2>\r\n")
            .Replace("Via: ", "Via: SIP/2.0/UDP 127.0.0.11:5999;branch=z9hG4bK-first-hop\r\nVia: ", StringComparison.Ordinal);
        // The second Via line is the caller's own: swap so the caller's Via is on top as it must be.
        var lines = text.Split("\r\n").ToList();
        var viaIndex = lines.FindIndex(l => l.StartsWith("Via:", StringComparison.Ordinal));
        (lines[viaIndex], lines[viaIndex + 1]) = (lines[viaIndex + 1], lines[viaIndex]);
        await bed.Caller.SendAsync(string.Join("\r\n", lines), bed.Proxy);

        var atCarrier = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        var headers = Headers(atCarrier);
        headers.ShouldNotContain("127.0.0.11");
        headers.ShouldNotContain(callerBranch);
        headers.ShouldNotContain("first-hop");
        headers.ShouldNotContain("upstream");
        atCarrier.Vias.Count.ShouldBe(1);
        atCarrier.TopVia.Port.ShouldBe(bed.Proxy.Port);
        atCarrier.RecordRoutes.Select(r => r.Text).ShouldBe([$"<sip:{proxyHost};transport=udp;lr>"]);
        atCarrier.Routes.ShouldBeEmpty();
        atCarrier.Contacts.Single().UriText.ShouldBe($"sip:cc@{proxyHost};transport=udp");
        atCarrier.From.Tag.ShouldBe("caller-tag");
        atCarrier.From.Uri!.User.ShouldBe("alice");
        atCarrier.From.Uri.Host.ShouldBe("127.0.0.1");
        atCarrier.CallId.ShouldNotBe(bed.CallId); // the Call-ID alias (CallIdAliasTests)

        // Responses get the caller's Via stack and the caller side's Record-Route back.
        await bed.Callee.RespondAsync(atCarrier, 180, "Ringing", bed.Proxy);
        var ringing = await bed.Caller.ExpectResponseAsync(180);
        ringing.Vias.Count.ShouldBe(2);
        ringing.TopVia.Branch.ShouldBe(callerBranch);
        await bed.Callee.RespondAsync(atCarrier, 200, "OK", bed.Proxy, body: "v=0\r\n");
        var ok = await bed.Caller.ExpectResponseAsync(200);
        ok.TopVia.Branch.ShouldBe(callerBranch);
        ok.GetValues(SipHeaderId.RecordRoute).ShouldBe([$"<sip:{proxyHost};transport=udp;lr>", upstream]);
        ok.GetFirst(SipHeaderId.From).ShouldBe("\"Alice\" <sip:alice@127.0.0.11>;tag=caller-tag");
        ok.To.UriText.ShouldBe($"sip:+31205550200@{bed.Proxy.Address}");
        ok.Contacts[0].UriText.ShouldBe($"sip:callee@{bed.Callee.HostPort}");

        // The caller's ACK and BYE reach the carrier stripped of the caller's side.
        var routeSet = new[] { $"<sip:{proxyHost};transport=udp;lr>" };
        var callerFrom = "\"Alice\" <sip:alice@127.0.0.11>;tag=caller-tag";
        await bed.Caller.SendAsync(SipText.InDialog("ACK", bed.Caller, ok.Contacts[0].UriText, routeSet, callerFrom, ok.GetFirst(SipHeaderId.To)!,
            bed.CallId, 1, bed.Caller.NewBranch()), bed.Proxy);
        var ack = await bed.Callee.ExpectRequestAsync(SipMethod.Ack);
        Headers(ack).ShouldNotContain("127.0.0.11");
        ack.Vias.Count.ShouldBe(1);

        // The carrier's re-INVITE goes to the proxy's Contact and is mapped back to the caller through its route set.
        var reinvite = SipText.InDialog("INVITE", bed.Callee, atCarrier.Contacts[0].UriText, atCarrier.GetValues(SipHeaderId.RecordRoute),
            atCarrier.GetFirst(SipHeaderId.To) + ";tag=callee-tag", atCarrier.GetFirst(SipHeaderId.From)!, atCarrier.CallId, 1, bed.Callee.NewBranch());
        await bed.Callee.SendAsync(reinvite, bed.Proxy);
        var atCaller = await bed.Caller.ExpectRequestAsync(SipMethod.Invite);
        atCaller.RequestUri.ShouldBe($"sip:alice@{bed.Caller.HostPort}");
        atCaller.GetValues(SipHeaderId.Route).ShouldBe([upstream]);
        atCaller.GetFirst(SipHeaderId.To).ShouldBe(callerFrom);
        atCaller.From.Tag.ShouldBe("callee-tag");
        var answer = SipMessageBuilder.ResponseTo(atCaller, 200, "OK", "caller-tag").Add(SipHeaderId.Contact, $"<sip:alice@{bed.Caller.HostPort}>")
            .Add(SipHeaderId.RecordRoute, "<sip:127.0.0.11;lr>").Add("P-Asserted-Identity", "<sip:alice@127.0.0.11>")
            .Add("Warning", "399 127.0.0.11 \"codec changed\"");
        await bed.Caller.SendAsync(answer.ToArray(), bed.Proxy);
        var reinviteOk = await bed.Callee.ExpectResponseAsync(200);
        Headers(reinviteOk).ShouldNotContain("127.0.0.11");
        reinviteOk.Contacts.Single().UriText.ShouldBe($"sip:cc@{proxyHost};transport=udp");
        (await bed.Policy.WaitForAsync("Reinvite")).Party.ShouldBe(DialogParty.Callee);

        await bed.Caller.SendAsync(SipText.InDialog("BYE", bed.Caller, ok.Contacts[0].UriText, routeSet, callerFrom, ok.GetFirst(SipHeaderId.To)!,
            bed.CallId, 2, bed.Caller.NewBranch()), bed.Proxy);
        var bye = await bed.Callee.ExpectRequestAsync(SipMethod.Bye);
        Headers(bye).ShouldNotContain("127.0.0.11");
        bye.Vias.Count.ShouldBe(1);
        await bed.Callee.RespondAsync(bye, 200, "OK", bed.Proxy);
        var byeOk = await bed.Caller.ExpectResponseAsync(200, SipMethod.Bye);
        byeOk.Vias.Count.ShouldBe(1);
        byeOk.GetFirst(SipHeaderId.From).ShouldBe(callerFrom);
        (await bed.Policy.WaitForAsync("Ended")).Party.ShouldBe(DialogParty.Caller);
    }

    [Fact]
    public async Task Carrier_leg_with_caller_id_credentials_and_max_duration_stays_hidden_and_consistent()
    {
        var scheduler = new ManualSipScheduler();
        await using var bed = await ProxyTestBed.StartAsync(scheduler, clock: scheduler.Clock);
        bed.Policy.Route = invite => new ForwardInvite([new ForwardTarget($"sip:{invite.RequestUriUser}@{bed.Callee.HostPort}", bed.Callee.SipEndpoint)
        {
            HideTopology = true,
            PresentedCaller = "+31205550100",
            Credentials = new DigestCredentials("trunk", "pw"),
        }])
        {
            MaxDuration = TimeSpan.FromMinutes(1),
        };
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch()), bed.Proxy);
        var first = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        await bed.Callee.SendAsync(SipMessageBuilder.ResponseTo(first, 407, "Proxy Authentication Required", "auth-tag")
            .Add("Proxy-Authenticate", "Digest realm=\"carrier\", nonce=\"xyz\", qop=\"auth\"").ToArray(), bed.Proxy);
        var second = await bed.Callee.ExpectAsync(m => m.IsRequest && m.Method == SipMethod.Invite && m.CSeq.Number == 2, "authenticated INVITE");
        foreach (var m in new[] { first, second })
        {
            Headers(m).ShouldNotContain("127.0.0.11");
            m.Vias.Count.ShouldBe(1);
            m.From.Uri!.User.ShouldBe("+31205550100");
            m.From.Tag.ShouldBe("caller-tag");
        }

        second.GetFirst("Proxy-Authorization").ShouldNotBeNull();
        await bed.Callee.RespondAsync(second, 200, "OK", bed.Proxy);
        var ok = await bed.Caller.ExpectResponseAsync(200);
        ok.CSeq.Number.ShouldBe(1u);
        ok.GetFirst(SipHeaderId.From).ShouldBe("\"Alice\" <sip:alice@127.0.0.11>;tag=caller-tag");

        await scheduler.WaitForTimerAsync(TimeSpan.FromMinutes(1));
        scheduler.Advance(TimeSpan.FromMinutes(1));
        var toCarrier = await bed.Callee.ExpectRequestAsync(SipMethod.Bye);
        Headers(toCarrier).ShouldNotContain("127.0.0.11");
        toCarrier.CSeq.Number.ShouldBe(3u);
        toCarrier.From.Uri!.User.ShouldBe("+31205550100");
        toCarrier.To.Tag.ShouldBe("callee-tag");
        toCarrier.CallId.ShouldBe(first.CallId);
        second.CallId.ShouldBe(first.CallId);
        first.CallId.ShouldNotBe(bed.CallId);
        var toCaller = await bed.Caller.ExpectRequestAsync(SipMethod.Bye);
        toCaller.CallId.ShouldBe(bed.CallId);
        toCaller.GetFirst(SipHeaderId.To).ShouldBe("\"Alice\" <sip:alice@127.0.0.11>;tag=caller-tag");
        (await bed.Policy.WaitForAsync("Ended")).Reason.ShouldBe("maximum duration reached");
    }
}
