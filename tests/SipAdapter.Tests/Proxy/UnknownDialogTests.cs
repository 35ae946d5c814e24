using CallControl.Sip.Message;
using CallControl.Tests.TestSupport;
using Shouldly;

namespace CallControl.Tests.Proxy;

/// <summary>A BYE routed through the proxy for a dialog it does not know (a restart lost its state).</summary>
public class UnknownDialogTests
{
    [Fact]
    public async Task Bye_for_an_unknown_dialog_is_loose_routed_and_reported()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        var ourRoute = $"<sip:{bed.Proxy.Address}:{bed.Proxy.Port};transport=udp;lr>";
        var bye = SipText.InDialog("BYE", bed.Caller, $"sip:callee@{bed.Callee.HostPort}", [ourRoute], "<sip:alice@127.0.0.11>;tag=caller-tag",
            "<sip:+31205550200@127.0.0.1>;tag=callee-tag", bed.CallId, 2, bed.Caller.NewBranch());
        await bed.Caller.SendAsync(bye, bed.Proxy);

        var atCallee = await bed.Callee.ExpectRequestAsync(SipMethod.Bye);
        atCallee.Routes.ShouldBeEmpty();
        var reported = await bed.Policy.WaitForAsync("UnknownDialogEnded");
        reported.Key.CallId.ShouldBe(bed.CallId);
        reported.Key.FromTag.ShouldBe("caller-tag");
        reported.Reason.ShouldBe("callee-tag");
        await bed.Callee.RespondAsync(atCallee, 200, "OK", bed.Proxy);
        await bed.Caller.ExpectResponseAsync(200, SipMethod.Bye);
        bed.Policy.Events.Count(e => e.Kind == "Ended").ShouldBe(0);
    }

    [Fact]
    public async Task Bye_for_an_unknown_dialog_without_our_route_is_481_and_not_reported()
    {
        await using var bed = await ProxyTestBed.StartAsync();
        var bye = SipText.InDialog("BYE", bed.Caller, $"sip:callee@{bed.Callee.HostPort}", [], "<sip:alice@127.0.0.11>;tag=caller-tag",
            "<sip:+31205550200@127.0.0.1>;tag=callee-tag", bed.CallId, 2, bed.Caller.NewBranch());
        await bed.Caller.SendAsync(bye, bed.Proxy);
        await bed.Caller.ExpectResponseAsync(481, SipMethod.Bye);
        bed.Policy.Events.ShouldBeEmpty();
    }
}
