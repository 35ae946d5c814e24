using System.Net;
using CallControl.Calls;
using CallControl.Host.Calls;
using CallControl.Sip.Proxy;
using Shouldly;

namespace CallControl.Tests.Calls;

/// <summary>The proxy's dialog state goes onto <see cref="CallAnswered"/> as strings and comes back the same; an event
/// whose endpoints do not parse gives no state (the call is then recovered without its dialog), never an exception.</summary>
public class DialogRecordsTests
{
    private static DialogState State(SipEndpoint caller) => new("callee-tag", caller, new SipEndpoint(IPAddress.Parse("127.0.0.22"), 5070, SipTransport.Tcp),
        "\"Alice\" <sip:100@127.0.0.11>;tag=a", "<sip:+44207@127.0.0.1>", "<sip:+44207@127.0.0.22>;tag=callee-tag", "sip:100@127.0.0.11:5062",
        "sip:carrier@127.0.0.22:5070", ["<sip:10.0.0.1;lr>"], [], 3, "<sip:+31205550100@127.0.0.1>;tag=a", "<sip:+44207@127.0.0.22:5070>", 1,
        HideTopology: true, RewritesHeaders: true, CalleeCallId: "ccabcdefghij");

    [Theory]
    [InlineData("127.0.0.11", SipTransport.Udp)]
    [InlineData("::1", SipTransport.Tls)]
    [InlineData("2001:db8::7", SipTransport.Tcp)]
    public void Dialog_state_round_trips_through_the_event(string address, SipTransport transport)
    {
        var state = State(new SipEndpoint(IPAddress.Parse(address), 5062, transport));
        var recorded = DialogRecords.ToEvent(state);
        recorded.CallerDestination.ShouldBe($"{transport.ToString().ToLowerInvariant()}:{address}:5062");
        var back = DialogRecords.FromEvent(recorded, state.CalleeCallId).ShouldNotBeNull();
        back.CallerRouteSet.ShouldBe(state.CallerRouteSet);
        back.CalleeRouteSet.ShouldBe(state.CalleeRouteSet);
        (back with { CallerRouteSet = state.CallerRouteSet, CalleeRouteSet = state.CalleeRouteSet }).ShouldBe(state);
    }

    [Theory]
    [InlineData("")]
    [InlineData("udp")]
    [InlineData("udp:127.0.0.1")]
    [InlineData("sctp:127.0.0.1:5060")]
    [InlineData("udp:not-an-ip:5060")]
    [InlineData("udp:127.0.0.1:0")]
    [InlineData("udp:127.0.0.1:70000")]
    [InlineData("udp:127.0.0.1:-1")]
    public void An_endpoint_that_does_not_parse_gives_no_state(string endpoint)
    {
        var recorded = DialogRecords.ToEvent(State(new SipEndpoint(IPAddress.Loopback, 5062, SipTransport.Udp))) with { CallerDestination = endpoint };
        DialogRecords.FromEvent(recorded, null).ShouldBeNull();
    }

    [Fact]
    public void A_calling_card_pin_in_the_callers_to_is_never_recorded_and_the_restored_to_can_be_sent()
    {
        var state = State(new SipEndpoint(IPAddress.Loopback, 5062, SipTransport.Udp)) with { CallerTo = "<sip:+318002273*4242424242*+442071234567@127.0.0.1:5060>" };
        var recorded = DialogRecords.ToEvent(state);
        recorded.CallerTo.ShouldBe("<sip:+318002273*[pin]*+442071234567@127.0.0.1:5060>");
        System.Text.Json.JsonSerializer.Serialize(recorded).ShouldNotContain("4242424242");
        var back = DialogRecords.FromEvent(recorded, null).ShouldNotBeNull();
        back.CallerTo.ShouldBe("<sip:+318002273*%5Bpin%5D*+442071234567@127.0.0.1:5060>");
        CallControl.Sip.Message.SipNameAddress.TryParse(back.CallerTo + ";tag=x", out _).ShouldBeTrue();
        DialogRecords.MaskPin("sip:+31205550200@127.0.0.1;tag=1").ShouldBe("sip:+31205550200@127.0.0.1;tag=1");
        DialogRecords.MaskPin("\"A:B\" <sip:0800*1234*+31@h>").ShouldBe("\"A:B\" <sip:0800*[pin]*+31@h>");
    }

    [Fact]
    public void A_cseq_beyond_32_bits_gives_no_state()
    {
        var recorded = DialogRecords.ToEvent(State(new SipEndpoint(IPAddress.Loopback, 5062, SipTransport.Udp))) with { CallerCSeq = 1L << 32 };
        DialogRecords.FromEvent(recorded, null).ShouldBeNull();
    }
}
