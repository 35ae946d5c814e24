using CallControl.Sip.Message;
using CallControl.Sip.Proxy;
using CallControl.Tests.TestSupport;
using Shouldly;

namespace CallControl.Tests.Proxy;

/// <summary><see cref="ForwardTarget.PresentedCaller"/>: the callee's leg shows another number in From (same tag) and
/// P-Asserted-Identity; the caller's leg keeps its own From, in responses and in requests from the callee.</summary>
public class CallerIdTests
{
    [Fact]
    public async Task Presented_number_replaces_from_user_and_asserts_identity_and_is_translated_back()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        bed.Policy.Route = invite => new ForwardInvite([new ForwardTarget($"sip:{invite.RequestUriUser}@{bed.Callee.HostPort}", bed.Callee.SipEndpoint)
        {
            PresentedCaller = "+31205550100",
        }]);
        await bed.Caller.SendAsync(SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, bed.Caller.NewBranch(),
            extraHeaders: "P-Asserted-Identity: <sip:spoofed@evil.example>\r\n"), bed.Proxy);
        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        atCallee.From.Uri!.User.ShouldBe("+31205550100");
        atCallee.From.Uri.Host.ShouldBe("127.0.0.11");
        atCallee.From.Tag.ShouldBe("caller-tag");
        atCallee.From.DisplayName.ShouldBeNull();
        atCallee.ToString().Split("\r\n").Where(l => l.StartsWith("P-Asserted-Identity:", StringComparison.OrdinalIgnoreCase))
            .ShouldBe([$"P-Asserted-Identity: <sip:+31205550100@{bed.Proxy.Address}>"]);

        await bed.Callee.RespondAsync(atCallee, 180, "Ringing", bed.Proxy);
        (await bed.Caller.ExpectResponseAsync(180)).GetFirst(SipHeaderId.From).ShouldBe("\"Alice\" <sip:alice@127.0.0.11>;tag=caller-tag");
        await bed.Callee.RespondAsync(atCallee, 200, "OK", bed.Proxy);
        var ok = await bed.Caller.ExpectResponseAsync(200);
        ok.GetFirst(SipHeaderId.From).ShouldBe("\"Alice\" <sip:alice@127.0.0.11>;tag=caller-tag");
        ok.To.Tag.ShouldBe("callee-tag");
        ok.To.UriText.ShouldBe($"sip:+31205550200@{bed.Proxy.Address}");

        // Callee hangs up: it uses its leg's From/To; the caller receives its own leg's.
        var bye = SipText.InDialog("BYE", bed.Callee, atCallee.Contacts[0].UriText, atCallee.GetValues(SipHeaderId.RecordRoute),
            atCallee.GetFirst(SipHeaderId.To) + ";tag=callee-tag", atCallee.GetFirst(SipHeaderId.From)!, bed.CallId, 1, bed.Callee.NewBranch());
        await bed.Callee.SendAsync(bye, bed.Proxy);
        var atCaller = await bed.Caller.ExpectRequestAsync(SipMethod.Bye);
        atCaller.GetFirst(SipHeaderId.To).ShouldBe("\"Alice\" <sip:alice@127.0.0.11>;tag=caller-tag");
        atCaller.From.Tag.ShouldBe("callee-tag");
        await bed.Caller.RespondAsync(atCaller, 200, "OK", bed.Proxy, toTag: "caller-tag");
        var byeOk = await bed.Callee.ExpectResponseAsync(200, SipMethod.Bye);
        byeOk.From.Uri!.User.ShouldBe("+31205550200");
        byeOk.To.Uri!.User.ShouldBe("+31205550100");
        (await bed.Policy.WaitForAsync("Ended")).Party.ShouldBe(DialogParty.Callee);
    }

    [Fact]
    public void Uri_rewrite_keeps_parameters()
    {
        ProxyCoreUri("sip:alice@10.0.0.5:5070;user=phone", "+3120", null).ShouldBe("sip:+3120@10.0.0.5:5070;user=phone");
        ProxyCoreUri("sip:alice@10.0.0.5:5070;user=phone", null, "192.0.2.1").ShouldBe("sip:alice@192.0.2.1;user=phone");
        ProxyCoreUri("sip:10.0.0.5", "+3120", null).ShouldBe("sip:+3120@10.0.0.5");
    }

    private static string ProxyCoreUri(string uri, string? user, string? host) => ProxyCore.RewriteUri(uri, user, host);
}
