using CallControl.Sip.Message;
using CallControl.Tests.TestSupport;
using Shouldly;

namespace CallControl.Tests.Proxy;

/// <summary>RFC 2543 clients send no branch (RFC 4475 §3.1.1.7 longreq): their transactions are matched by Request-URI,
/// From tag, Call-ID, CSeq and top Via (RFC 3261 §17.2.3), not refused.</summary>
public class Rfc2543ClientTests
{
    [Fact]
    public async Task Invite_without_branch_is_proxied_its_retransmission_absorbed_and_its_cancel_matched()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        bed.RouteTo(bed.Callee);
        var invite = SipText.Invite(bed.Caller, bed.Proxy, bed.CallId, "unused")
            .Replace(";branch=unused;rport", "", StringComparison.Ordinal);
        invite.ShouldNotContain("branch");
        await bed.Caller.SendAsync(invite, bed.Proxy);
        await bed.Caller.ExpectResponseAsync(100);
        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Invite);
        atCallee.Vias.Count.ShouldBe(2);

        await bed.Caller.SendAsync(invite, bed.Proxy);
        await bed.Caller.ExpectResponseAsync(100);
        (await bed.Callee.NothingAsync(m => m.IsRequest && m.Method == SipMethod.Invite, TimeSpan.FromMilliseconds(300))).ShouldBeTrue();

        await bed.Callee.RespondAsync(atCallee, 180, "Ringing", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(180);
        SipParser.Parse(System.Text.Encoding.UTF8.GetBytes(invite), false, SipParserOptions.Default, out var parsed);
        await bed.Caller.SendAsync(SipText.Cancel(parsed!), bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200, SipMethod.Cancel);
        await bed.Callee.ExpectRequestAsync(SipMethod.Cancel);
        await bed.Caller.ExpectResponseAsync(487);
    }
}
