using CallControl.Sip.Message;
using Shouldly;

namespace CallControl.Tests.Message;

public class SipParserTests
{
    private static readonly SipParserOptions Options = SipParserOptions.Default;

    private static SipMessage ParseOk(string text, bool isStream = false)
    {
        var result = SipParser.Parse(SampleMessages.Bytes(text), isStream, Options, out var message);
        result.Status.ShouldBe(SipFrameStatus.Complete, $"{result.Error}");
        return message!;
    }

    private static SipFrameResult ParseFail(string text, bool isStream = false)
    {
        var result = SipParser.Parse(SampleMessages.Bytes(text), isStream, Options, out var message);
        message.ShouldBeNull();
        return result;
    }

    [Fact]
    public void Parses_invite_start_line_and_typed_headers()
    {
        var m = ParseOk(SampleMessages.Invite);
        m.IsRequest.ShouldBeTrue();
        m.Method.ShouldBe(SipMethod.Invite);
        m.RequestUri.ShouldBe("sip:+31205550200@127.0.0.1:5060");
        m.RequestUriParsed.User.ShouldBe("+31205550200");
        m.MaxForwards.ShouldBe(70);
        m.CallId.ShouldBe("a84b4c76e66710@pc33.example.com");
        m.CSeq.ShouldBe(new SipCSeq(314159, SipMethod.Invite));
        m.From.DisplayName.ShouldBe("Alice A");
        m.From.Tag.ShouldBe("1928301774");
        m.From.Uri!.User.ShouldBe("alice");
        m.To.Tag.ShouldBeNull();
        m.TopVia.Branch.ShouldBe("z9hG4bK776asdhds");
        m.TopVia.HasRPort.ShouldBeTrue();
        m.TopVia.RPort.ShouldBeNull();
        m.TopVia.Transport.ShouldBe("UDP");
        m.TopVia.Host.ShouldBe("127.0.0.11");
        m.TopVia.Port.ShouldBe(5060);
        m.Contacts.Single().Uri!.Port.ShouldBe(5060);
        m.ContentType.ShouldBe("application/sdp");
        m.Body.Length.ShouldBe(4);
        m.HeaderCount.ShouldBe(9);
    }

    [Fact]
    public void Parses_response_with_multi_value_via()
    {
        var m = ParseOk(SampleMessages.Ringing);
        m.IsRequest.ShouldBeFalse();
        m.StatusCode.ShouldBe(180);
        m.ReasonPhrase.ShouldBe("Ringing");
        m.Vias.Count.ShouldBe(2);
        m.Vias[1].Received.ShouldBe("127.0.0.11");
        m.Vias[1].RPort.ShouldBe(5062);
        m.To.Tag.ShouldBe("a6c85cf");
        m.CSeq.Method.ShouldBe(SipMethod.Invite);
    }

    [Fact]
    public void Compact_forms_folding_and_case_insensitive_names()
    {
        var text =
            "BYE sip:bob@127.0.0.12 SIP/2.0\r\n" +
            "v: SIP/2.0/TCP 127.0.0.11;branch=z9hG4bKa\r\n" +
            "VIA: SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bKb\r\n" +
            "f: <sip:alice@127.0.0.11>;tag=x\r\n" +
            "t: <sip:bob@127.0.0.12>\r\n" +
            "  ;tag=y\r\n" +
            "i: abc\r\n" +
            "cseq: 2 BYE\r\n" +
            "route: <sip:127.0.0.1;lr>, \"x,y\" <sip:127.0.0.2;lr>\r\n" +
            "l: 0\r\n\r\n";
        var m = ParseOk(text, isStream: true);
        m.Vias.Count.ShouldBe(2);
        m.Vias[0].Transport.ShouldBe("TCP");
        m.Vias[0].Port.ShouldBeNull();
        m.Vias[1].Host.ShouldBe("[2001:db8::1]");
        m.Vias[1].Port.ShouldBe(5070);
        m.To.Tag.ShouldBe("y");
        m.CallId.ShouldBe("abc");
        m.Routes.Count.ShouldBe(2);
        m.Routes[1].DisplayName.ShouldBe("x,y");
        m.Routes[1].Uri!.LooseRouting.ShouldBeTrue();
    }

    [Fact]
    public void Every_strict_prefix_over_a_stream_needs_more_data()
    {
        var bytes = SampleMessages.Bytes(SampleMessages.Invite);
        for (var n = 0; n < bytes.Length; n++)
        {
            var result = SipParser.Frame(bytes.AsSpan(0, n), isStream: true, Options);
            result.Status.ShouldBe(SipFrameStatus.NeedMoreData, $"prefix of {n} bytes");
        }

        SipParser.Frame(bytes, isStream: true, Options).ShouldBe(SipFrameResult.Complete(bytes.Length));
    }

    [Fact]
    public void Stream_frames_first_of_two_pipelined_messages()
    {
        var bytes = SampleMessages.Bytes(SampleMessages.Invite + SampleMessages.Ringing);
        var result = SipParser.Parse(bytes, isStream: true, Options, out var first);
        result.Length.ShouldBe(SampleMessages.Invite.Length);
        first!.Method.ShouldBe(SipMethod.Invite);
        SipParser.Parse(bytes.AsMemory(result.Length), isStream: true, Options, out var second).Status.ShouldBe(SipFrameStatus.Complete);
        second!.StatusCode.ShouldBe(180);
    }

    [Fact]
    public void Udp_without_content_length_takes_rest_of_datagram()
    {
        var text = SampleMessages.Invite.Replace("Content-Length: 4\r\n", "");
        var m = ParseOk(text);
        m.Body.Length.ShouldBe(4);
    }

    [Fact]
    public void Udp_discards_bytes_after_the_body()
    {
        var m = ParseOk(SampleMessages.Invite + "garbage");
        m.Body.Length.ShouldBe(4);
        m.Raw.Length.ShouldBe(SampleMessages.Invite.Length);
    }

    [Fact]
    public void Tcp_requires_content_length()
    {
        var text = SampleMessages.Invite.Replace("Content-Length: 4\r\n", "");
        ParseFail(text, isStream: true).Error.ShouldBe(SipParseError.MissingContentLength);
    }

    [Theory]
    [InlineData("Content-Length: 4\r\n", "Content-Length: x4\r\n", SipParseError.BadContentLength, 400)]
    [InlineData("Content-Length: 4\r\n", "Content-Length: -4\r\n", SipParseError.BadContentLength, 400)]
    [InlineData("Content-Length: 4\r\n", "Content-Length: 40\r\n", SipParseError.BodyTruncated, 400)]
    [InlineData("Content-Length: 4\r\n", "Content-Length: 4\r\nl: 5\r\n", SipParseError.BadContentLength, 400)]
    [InlineData("Content-Length: 4\r\n", "Content-Length: 99999999999\r\n", SipParseError.MessageTooLarge, 513)]
    [InlineData("SIP/2.0\r\n", "SIP/3.0\r\n", SipParseError.VersionNotSupported, 505)]
    [InlineData("INVITE sip:", "INV@TE sip:", SipParseError.BadMethod, 400)]
    [InlineData("INVITE sip:+31205550200@127.0.0.1:5060 SIP", "INVITE  SIP", SipParseError.BadStartLine, 400)]
    [InlineData("CSeq: 314159 INVITE", "CSeq: 314159 BYE", SipParseError.CSeqMethodMismatch, 400)]
    [InlineData("CSeq: 314159 INVITE", "CSeq: abc INVITE", SipParseError.BadCSeq, 400)]
    [InlineData("CSeq: 314159 INVITE", "CSeq: 314159", SipParseError.BadCSeq, 400)]
    [InlineData("Max-Forwards: 70", "Max-Forwards: 700", SipParseError.BadMaxForwards, 400)]
    [InlineData("Call-ID: a84b4c76e66710@pc33.example.com\r\n", "", SipParseError.MissingRequiredHeader, 400)]
    [InlineData("Via: SIP/2.0/UDP 127.0.0.11:5060;branch=z9hG4bK776asdhds;rport\r\n", "", SipParseError.MissingRequiredHeader, 400)]
    [InlineData("Max-Forwards: 70\r\n", "Max-Forwards 70\r\n", SipParseError.BadHeaderLine, 400)]
    [InlineData("Max-Forwards: 70\r\n", "Max Forwards: 70\r\n", SipParseError.BadHeaderLine, 400)]
    [InlineData("\r\n\r\nv=0\n", "\r\nv=0\n", SipParseError.IncompleteHeaders, 400)]
    public void Malformed_requests_are_rejected_with_reason(string find, string replace, SipParseError error, int status)
    {
        var text = SampleMessages.Invite.Replace(find, replace);
        text.ShouldNotBe(SampleMessages.Invite);
        var result = ParseFail(text);
        result.Status.ShouldBe(SipFrameStatus.Reject);
        result.Error.ShouldBe(error);
        result.StatusCode.ShouldBe(status);
        result.ReasonPhrase.ShouldNotBeNullOrEmpty();
    }

    [Theory]
    [InlineData("SIP/2.0 99 Weird")]
    [InlineData("SIP/2.0 700 Weird")]
    [InlineData("SIP/2.0 2000 Weird")]
    [InlineData("SIP/2.0 abc Weird")]
    public void Status_codes_outside_100_to_699_are_rejected(string statusLine)
    {
        var text = SampleMessages.Ringing.Replace("SIP/2.0 180 Ringing", statusLine);
        ParseFail(text).Error.ShouldBe(SipParseError.BadStatusCode);
    }

    [Fact]
    public void Limits_are_enforced_before_parsing()
    {
        var small = new SipParserOptions { MaxMessageSize = 600, MaxHeaderCount = 8, MaxLineLength = 128 };
        var longLine = SampleMessages.Invite.Replace("Max-Forwards: 70", "X-Long: " + new string('a', 200));
        SipParser.Frame(SampleMessages.Bytes(longLine), true, small).Error.ShouldBe(SipParseError.LineTooLong);
        // A long partial line is rejected without waiting for its end.
        SipParser.Frame(SampleMessages.Bytes("INVITE sip:" + new string('a', 300)), true, small).Error.ShouldBe(SipParseError.LineTooLong);
        SipParser.Frame(SampleMessages.Bytes(SampleMessages.Invite), true, small).Error.ShouldBe(SipParseError.TooManyHeaders);
        var big = SampleMessages.Invite.Replace("Content-Length: 4", "Content-Length: 5000");
        SipParser.Frame(SampleMessages.Bytes(big), true, SipParserOptions.Default with { MaxMessageSize = 1000 }).Error.ShouldBe(SipParseError.MessageTooLarge);
    }

    [Fact]
    public void Malformed_typed_header_throws_with_400_reason()
    {
        var m = ParseOk(SampleMessages.Invite.Replace("From: \"Alice A\" <sip:alice@127.0.0.11>;tag=1928301774", "From: \"Alice <sip:alice"));
        Should.Throw<SipMessageException>(() => m.From).ReasonPhrase.ShouldBe("Bad From");
        var v = ParseOk(SampleMessages.Invite.Replace("SIP/2.0/UDP 127.0.0.11:5060", "SIP/2.0/UDP 127.0.0.11:99999"));
        Should.Throw<SipMessageException>(() => v.TopVia).StatusCode.ShouldBe(400);
    }

    [Fact]
    public void Unknown_header_values_and_names_are_readable()
    {
        var m = ParseOk(SampleMessages.Invite.Replace("Max-Forwards: 70\r\n", "Max-Forwards: 70\r\nX-Custom:   hello  \r\n"));
        m.GetFirst("x-custom").ShouldBe("hello");
    }

    [Fact]
    public void Parsing_allocates_the_index_not_per_header()
    {
        var bytes = SampleMessages.Bytes(SampleMessages.Invite);
        SipParser.Parse(bytes, false, Options, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            SipParser.Parse(bytes, false, Options, out _);
        }

        var perMessage = (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
        // One SipMessage plus one entry array for 9 headers; strings would push this far higher.
        perMessage.ShouldBeLessThan(600);
        SipParser.Frame(bytes, true, Options);
        before = GC.GetAllocatedBytesForCurrentThread();
        SipParser.Frame(bytes, true, Options);
        (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBe(0);
    }
}
