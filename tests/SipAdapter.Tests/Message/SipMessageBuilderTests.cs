using CallControl.Sip.Message;
using Shouldly;

namespace CallControl.Tests.Message;

public class SipMessageBuilderTests
{
    private static SipMessage Parse(byte[] bytes)
    {
        SipParser.Parse(bytes, false, SipParserOptions.Default, out var m).Status.ShouldBe(SipFrameStatus.Complete);
        return m!;
    }

    [Fact]
    public void Unchanged_copy_round_trips_byte_for_byte()
    {
        var original = SampleMessages.Bytes(SampleMessages.Invite);
        var copy = SipMessageBuilder.From(Parse(original)).ToArray();
        // Content-Length moves to the end; everything else keeps its bytes.
        var reparsed = Parse(copy);
        reparsed.HeaderCount.ShouldBe(9);
        for (var i = 0; i < reparsed.HeaderCount; i++)
        {
            reparsed.GetHeaderValue(i).ShouldNotBeNull();
        }

        reparsed.Body.ToArray().ShouldBe(Parse(original).Body.ToArray());
        SipMessageBuilder.From(reparsed).ToArray().ShouldBe(copy);
    }

    [Fact]
    public void Forwarding_edits_request_uri_via_max_forwards_route_and_record_route()
    {
        var withRoute = SampleMessages.Invite.Replace("Max-Forwards: 70\r\n", "Max-Forwards: 70\r\nRoute: <sip:127.0.0.1;lr>, <sip:10.0.0.1;lr>\r\n");
        var request = Parse(SampleMessages.Bytes(withRoute));
        var forwarded = Parse(SipMessageBuilder.From(request)
            .SetRequestUri("sip:bob@127.0.0.12:5070")
            .AddFirst(SipHeaderId.Via, "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKnew")
            .Set(SipHeaderId.MaxForwards, "69")
            .AddTop(SipHeaderId.RecordRoute, "<sip:127.0.0.1:5060;transport=udp;lr>")
            .RemoveFirstValue(SipHeaderId.Route)
            .ToArray());

        forwarded.RequestUri.ShouldBe("sip:bob@127.0.0.12:5070");
        forwarded.Vias.Count.ShouldBe(2);
        forwarded.TopVia.Branch.ShouldBe("z9hG4bKnew");
        forwarded.MaxForwards.ShouldBe(69);
        forwarded.RecordRoutes.Single().Uri!.LooseRouting.ShouldBeTrue();
        forwarded.Routes.Single().Uri!.Host.ShouldBe("10.0.0.1");
        forwarded.Body.Length.ShouldBe(4);
    }

    [Fact]
    public void Relaying_a_response_removes_top_via_value_in_a_multi_value_line()
    {
        var response = Parse(SampleMessages.Bytes(SampleMessages.Ringing));
        var relayed = Parse(SipMessageBuilder.From(response).RemoveFirstValue(SipHeaderId.Via).ToArray());
        relayed.Vias.Count.ShouldBe(1);
        relayed.TopVia.Branch.ShouldBe("z9hG4bK776asdhds");
        relayed.StatusCode.ShouldBe(180);
    }

    [Fact]
    public void Local_response_copies_dialog_headers_and_adds_to_tag()
    {
        var request = Parse(SampleMessages.Bytes(SampleMessages.Invite));
        var busy = Parse(SipMessageBuilder.ResponseTo(request, 486, "Busy Here", "abc").ToArray());
        busy.StatusCode.ShouldBe(486);
        busy.ReasonPhrase.ShouldBe("Busy Here");
        busy.To.Tag.ShouldBe("abc");
        busy.From.Tag.ShouldBe("1928301774");
        busy.CallId.ShouldBe(request.CallId);
        busy.CSeq.ShouldBe(request.CSeq);
        busy.TopVia.Branch.ShouldBe("z9hG4bK776asdhds");
        busy.ContentLength.ShouldBe(0);

        var trying = Parse(SipMessageBuilder.ResponseTo(request, 100, "Trying", "abc").ToArray());
        trying.To.Tag.ShouldBeNull();
    }

    [Fact]
    public void Rejects_header_injection()
    {
        var b = SipMessageBuilder.Request("OPTIONS", "sip:127.0.0.1");
        Should.Throw<ArgumentException>(() => b.Add("X-A", "a\r\nVia: evil"));
        Should.Throw<ArgumentException>(() => b.AddRawLine("no colon"));
    }
}
