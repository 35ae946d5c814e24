using System.Text;
using CallControl.Sip.Message;
using Shouldly;

namespace CallControl.Tests.Message;

/// <summary>Tricky messages in the spirit of RFC 4475 (SIP torture tests), written for this parser.</summary>
public class TortureMessageTests
{
    private const string Tail =
        "To: <sip:bob@example.com>\r\n" +
        "From: <sip:alice@example.com>;tag=1\r\n" +
        "Call-ID: torture@example.com\r\n";

    private static SipFrameResult Parse(string text, out SipMessage? message) =>
        SipParser.Parse(Encoding.UTF8.GetBytes(text), false, SipParserOptions.Default, out message);

    public static TheoryData<string, string> Valid => new()
    {
        {
            "whitespace, folding and odd case (wsinv)",
            "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\r\n" +
            "TO :\r\n sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n" +
            "from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8\r\n" +
            "MaX-fOrWaRdS: 0068\r\n" +
            "Call-ID: wsinv.ndaksdj@192.0.2.1\r\n" +
            "Content-Length   : 0\r\n" +
            "cseq: 0009\r\n  INVITE\r\n" +
            "Via  : SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw\r\n" +
            "s :\r\n" +
            "NewFangledHeader:   newfangled value\r\n continued newfangled value\r\n" +
            "UnknownHeaderWithUnusualValue: ;;,,;;,;\r\n" +
            "\r\n"
        },
        {
            "token characters in method (intmeth)",
            "!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0\r\n" +
            "Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~\r\n" + Tail +
            "CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\r\nContent-Length: 0\r\n\r\n"
        },
        {
            "display name without space before angle bracket (lwsdisp)",
            "OPTIONS sip:user@example.com SIP/2.0\r\nVia: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw\r\n" +
            "To: sip:user@example.com\r\nFrom: caller<sip:caller@example.com>;tag=323\r\nCall-ID: lwsdisp.1234abcd@funky.example.com\r\n" +
            "CSeq: 60 OPTIONS\r\nl: 0\r\n\r\n"
        },
        {
            "response without reason phrase (noreason)",
            "SIP/2.0 100\r\nVia: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\r\n" + Tail + "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
        },
        {
            "UTF-8 reason phrase (unreason)",
            "SIP/2.0 200 = 2**3 * 5**2 но сто девяносто девять - простое\r\nVia: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923\r\n" + Tail +
            "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
        },
        {
            "unknown transports and many Via values (transports)",
            "OPTIONS sip:user@example.com SIP/2.0\r\n" +
            "Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw, SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf\r\n" +
            "Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj, SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en\r\n" +
            Tail + "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        },
        {
            "two messages in one datagram: the second is ignored (dblreq)",
            "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n" + Tail +
            "CSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\nINVITE sip:joe@example.com SIP/2.0\r\n\r\n"
        },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Valid_torture_messages_parse(string name, string text)
    {
        var result = Parse(text, out var message);
        result.Status.ShouldBe(SipFrameStatus.Complete, $"{name}: {result.Error}");
        _ = message!.Vias;
        _ = message.From;
        _ = message.To;
        message.CallId.ShouldNotBeEmpty();

        // Every strict prefix of a valid message is incomplete over a stream (when it states its length).
        if (message.HasHeader(SipHeaderId.ContentLength))
        {
            var bytes = Encoding.UTF8.GetBytes(text)[..message.Raw.Length];
            for (var n = 0; n < bytes.Length; n++)
            {
                SipParser.Frame(bytes.AsSpan(0, n), true, SipParserOptions.Default).Status.ShouldBe(SipFrameStatus.NeedMoreData, $"{name}: prefix {n}");
            }
        }
    }

    [Fact]
    public void Whitespace_torture_values_are_read_correctly()
    {
        Parse(Valid.Select(r => (string)r[1]).First(), out var m);
        m!.MaxForwards.ShouldBe(68);
        m.CSeq.ShouldBe(new SipCSeq(9, SipMethod.Invite));
        m.To.Tag.ShouldBe("1918181833n");
        m.From.Tag.ShouldBe("98asjd8");
        m.TopVia.Transport.ShouldBe("UDP");
        m.TopVia.Branch.ShouldBe("390skdjuw");
        m.GetFirst("newfangledheader").ShouldBe("newfangled value continued newfangled value");
    }

    [Fact]
    public void Escaped_user_and_user_parameters_in_request_uri()
    {
        SipUri.Parse("sip:sips%3Auser%40example.com@example.net").User.ShouldBe("sips:user@example.com");
        var semi = SipUri.Parse("sip:user;par=u%40example.net@example.com");
        semi.User.ShouldBe("user;par=u@example.net");
        semi.Host.ShouldBe("example.com");
    }

    public static TheoryData<string, string, SipParseError> Invalid => new()
    {
        { "Request-URI in angle brackets (ltgtruri)", "INVITE <sip:user@example.com> SIP/2.0", SipParseError.BadRequestUri },
        { "whitespace inside Request-URI (lwsruri)", "INVITE sip:user@example.com; lr SIP/2.0", SipParseError.BadStartLine },
        { "double spaces in request line (lwsstart)", "INVITE  sip:user@example.com  SIP/2.0", SipParseError.BadStartLine },
        { "trailing whitespace after version (trws)", "INVITE sip:user@example.com SIP/2.0 ", SipParseError.BadStartLine },
        { "unescaped space in Request-URI (escruri)", "INVITE sip:user@example.com?Route=<sip:example.com> ok SIP/2.0", SipParseError.BadRequestUri },
        { "unknown protocol version (badvers)", "INVITE sip:user@example.com SIP/7.0", SipParseError.VersionNotSupported },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_request_lines_are_rejected(string name, string requestLine, SipParseError error)
    {
        var text = requestLine + "\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n" + Tail + "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
        Parse(text, out _).Error.ShouldBe(error, name);
    }

    [Theory]
    [InlineData("Max-Forwards: 300", SipParseError.BadMaxForwards)]
    [InlineData("CSeq: 36893488147419103232 INVITE", SipParseError.BadCSeq)]
    [InlineData("Content-Length: -999", SipParseError.BadContentLength)]
    [InlineData("Content-Length: 9999", SipParseError.BodyTruncated)]
    public void Out_of_range_scalars_are_rejected(string header, SipParseError error)
    {
        var text = "INVITE sip:user@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n" + Tail +
                   (header.StartsWith("CSeq", StringComparison.Ordinal) ? "" : "CSeq: 1 INVITE\r\n") + header + "\r\n\r\nbody";
        Parse(text, out _).Error.ShouldBe(error);
    }

    [Fact]
    public void Unbalanced_quotes_make_the_typed_header_fail()
    {
        var text = "INVITE sip:user@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n" +
                   "To: \"Mr. J. User <sip:j.user@example.com>\r\nFrom: <sip:alice@example.com>;tag=1\r\nCall-ID: q@x\r\nCSeq: 1 INVITE\r\n\r\n";
        Parse(text, out var m).Status.ShouldBe(SipFrameStatus.Complete);
        Should.Throw<SipMessageException>(() => m!.To).ReasonPhrase.ShouldBe("Bad To");
    }
}
