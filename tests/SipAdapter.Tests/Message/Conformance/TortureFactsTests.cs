using System.Text;
using CallControl.Sip.Message;
using Shouldly;

namespace CallControl.Tests.Message.Conformance;

/// <summary>For every accepted torture message, the specific facts the RFC says a parser must get right.</summary>
public class TortureFactsTests
{
    private static readonly Dictionary<string, Action<SipMessage>> Facts = new()
    {
        ["rfc4475/wsinv"] = m =>
        {
            m.Method.ShouldBe(SipMethod.Invite);
            m.MaxForwards.ShouldBe(68);
            m.CSeq.ShouldBe(new SipCSeq(9, SipMethod.Invite));
            m.CallId.ShouldBe("wsinv.ndaksdj@192.0.2.1");
            m.RequestUriParsed.HasParameter("unknownparam").ShouldBeTrue();
            m.To.Tag.ShouldBe("1918181833n");
            m.To.Uri!.User.ShouldBe("vivekg");
            m.From.DisplayName.ShouldBe("J Rosenberg \\\"");
            m.From.Tag.ShouldBe("98asjd8");
            m.Vias.Select(v => (v.Transport, v.Host, v.Branch)).ShouldBe(
            [
                ("UDP", "192.0.2.2", "390skdjuw"),
                ("TCP", "spindle.example.com", "z9hG4bK9ikj8"),
                ("UDP", "192.168.255.111", "z9hG4bK30239"),
            ]);
            m.GetFirst(SipHeaderId.Subject).ShouldBe("");
            m.GetFirst("NewFangledHeader").ShouldBe("newfangled value continued newfangled value");
            m.GetFirst("UnknownHeaderWithUnusualValue").ShouldBe(";;,,;;,;");
            m.Routes.Single().Uri!.LooseRouting.ShouldBeTrue();
            var contact = m.Contacts.Single();
            contact.DisplayName.ShouldBe("Quoted string \"\"");
            contact.GetParameter("newparam").ShouldBe("newvalue");
            contact.Parameters.Any(p => p.Key == "secondparam" && p.Value is null).ShouldBeTrue();
            contact.GetParameter("q").ShouldBe("0.33");
            m.ContentLength.ShouldBe(150);
        },
        ["rfc4475/intmeth"] = m =>
        {
            m.Method.ShouldBe(SipMethod.Unknown);
            m.MethodName.ShouldBe("!interesting-Method0123456789_*+`.%indeed'~");
            m.CSeq.Number.ShouldBe(139122385u);
            m.RequestUriParsed.User.ShouldBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
            m.RequestUriParsed.Password.ShouldBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
            m.RequestUriParsed.Host.ShouldBe("example.com");
            m.To.DisplayName.ShouldBe("BEL:\u0007 NUL:\0 DEL:\u007f");
            m.To.Uri!.User.ShouldBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
            m.From.DisplayName.ShouldBe("token1~` token2'+_ token3*%!.-");
            m.From.Tag.ShouldBe("_token~1'+`*%!-.");
            m.From.GetParameter("fromParam''~+*_!.-%").ShouldBe("\"работающий\"");
            m.CallId.ShouldBe("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
            m.TopVia.Branch.ShouldBe("z9hG4bK-.!%66*_+`'~");
            m.GetFirst("extensionHeader-!.%*+_`'~").ShouldBe("\uFEFF大停電");
            m.MaxForwards.ShouldBe(255);
        },
        ["rfc4475/esc01"] = m =>
        {
            m.RequestUriParsed.User.ShouldBe("sips:user@example.com");
            m.RequestUriParsed.Host.ShouldBe("example.net");
            m.To.Uri!.User.ShouldBe("user");
            m.From.Uri!.User.ShouldBe("I have spaces");
            m.CallId.ShouldBe("esc01.239409asdfakjkn23onasd0-3234");
            var uri = m.Contacts.Single().Uri!;
            uri.User.ShouldBe("caller");
            // n%61me=v%61lue%25%34%31 unescapes once to name=value%41, never to valueA.
            var p = uri.Parameters.Single(x => SipUri.Unescape(x.Key) == "name");
            SipUri.Unescape(p.Value!).ShouldBe("value%41");
            uri.Parameters.Select(x => SipUri.Unescape(x.Key)).ShouldContain("lr");
        },
        ["rfc4475/escnull"] = m =>
        {
            m.To.Uri!.User.ShouldBe("null-\0-null");
            m.From.Uri!.User!.Length.ShouldBe(11);
            m.Contacts.Select(c => c.Uri!.User).ShouldBe(["\0", "\0\0"]);
        },
        ["rfc4475/esc02"] = m =>
        {
            m.Method.ShouldBe(SipMethod.Unknown);
            m.MethodName.ShouldBe("RE%47IST%45R");
            m.CSeq.Method.ShouldBe(SipMethod.Unknown);
            m.To.DisplayName.ShouldBe("%Z%45");
            m.TopVia.Branch.ShouldBe("z9hG4bK209%fzsnel234");
            m.Contacts.Count.ShouldBe(2, "C%6Fntact is an extension header, not Contact");
            m.GetFirst("C%6Fntact").ShouldBe("<sip:alias2@host2.example.com>");
        },
        ["rfc4475/lwsdisp"] = m =>
        {
            m.From.DisplayName.ShouldBe("caller");
            m.From.Uri!.User.ShouldBe("caller");
        },
        ["rfc4475/longreq"] = m =>
        {
            m.Vias.Count.ShouldBe(34);
            m.To.DisplayName!.Length.ShouldBeGreaterThan(100);
            m.To.Uri!.Port.ShouldBe(6000);
            m.From.Tag!.Length.ShouldBeGreaterThan(100);
            m.CallId.Length.ShouldBeGreaterThan(100);
            m.HeaderCount.ShouldBeGreaterThan(34);
            m.From.Uri!.User.ShouldBe("amazinglylongcallernameamazinglylongcallernameamazinglylongcallernameamazinglylongcallernameamazinglylongcallername");
        },
        ["rfc4475/dblreq"] = m =>
        {
            m.Method.ShouldBe(SipMethod.Register);
            m.CSeq.ShouldBe(new SipCSeq(8, SipMethod.Register));
            m.Body.Length.ShouldBe(0);
            TortureConformanceTests.Text(m.Raw).ShouldNotContain("INVITE");
        },
        ["rfc4475/semiuri"] = m =>
        {
            m.RequestUriParsed.User.ShouldBe("user;par=u@example.net");
            m.RequestUriParsed.Host.ShouldBe("example.com");
            m.RequestUriParsed.Parameters.ShouldBeEmpty();
            m.GetValues(SipHeaderId.Accept).Count.ShouldBe(6);
        },
        ["rfc4475/transports"] = m => m.Vias.Select(v => v.Transport).ShouldBe(["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]),
        ["rfc4475/mpart01"] = m =>
        {
            m.Method.ShouldBe(SipMethod.Message);
            m.ContentLength.ShouldBe(553);
            m.Body.Span.IndexOf((byte)0).ShouldBeGreaterThan(0, "binary part holds NUL");
            m.ContentType.ShouldStartWith("multipart/mixed");
        },
        ["rfc4475/unreason"] = m =>
        {
            m.StatusCode.ShouldBe(200);
            m.ReasonPhrase.ShouldStartWith("= 2**3 * 5**2 ");
            m.ReasonPhrase.ShouldContain("простое");
        },
        ["rfc4475/noreason"] = m =>
        {
            m.StatusCode.ShouldBe(100);
            m.ReasonPhrase.ShouldBe("");
        },
        ["rfc4475/baddate"] = m => m.GetFirst("Date").ShouldBe("Fri, 01 Jan 2010 16:00:00 EST"),
        ["rfc4475/regbadct"] = m =>
        {
            var c = m.Contacts.Single();
            c.Uri!.User.ShouldBe("user");
            c.Uri.Headers.ShouldBe("Route=%3Csip:sip.example.com%3E");
        },
        ["rfc4475/badaspec"] = m =>
        {
            m.To.Uri!.User.ShouldBe("t.watson");
            m.To.DisplayName.ShouldBe("Watson, Thomas");
        },
        ["rfc4475/badbranch"] = m => m.TopVia.Branch.ShouldBe(SipViaHeader.MagicCookie),
        ["rfc4475/unksm2"] = m =>
        {
            m.To.Uri.ShouldBeNull();
            m.To.UriText.ShouldBe("isbn:2983792873");
            m.From.UriText.ShouldBe("http://www.example.com");
            m.Contacts.Single().UriText.ShouldBe("name:John_Smith");
        },
        ["rfc4475/bext01"] = m =>
        {
            m.ProxyRequire.ShouldBe(["noProxiesSupportThis", "norDoAnyProxiesSupportThis"]);
            m.GetValues(SipHeaderId.Require).ShouldBe(["nothingSupportsThis", "nothingSupportsThisEither"]);
        },
        ["rfc4475/invut"] = m =>
        {
            m.ContentType.ShouldBe("application/unknownformat");
            m.ContentLength.ShouldBe(40);
        },
        ["rfc4475/regaut01"] = m => m.GetFirst("Authorization").ShouldBe("NoOneKnowsThisScheme opaque-data=here"),
        ["rfc4475/bcast"] = m =>
        {
            m.StatusCode.ShouldBe(200);
            m.Vias[1].Host.ShouldBe("255.255.255.255");
        },
        ["rfc4475/zeromf"] = m => m.MaxForwards.ShouldBe(0),
        ["rfc4475/cparam01"] = m =>
        {
            var c = m.Contacts.Single();
            c.Uri!.HasParameter("unknownparam").ShouldBeFalse();
            c.Parameters.ShouldContain(p => p.Key == "unknownparam");
        },
        ["rfc4475/cparam02"] = m =>
        {
            var c = m.Contacts.Single();
            c.Uri!.HasParameter("unknownparam").ShouldBeTrue();
            c.Parameters.ShouldBeEmpty();
        },
        ["rfc4475/regescrt"] = m => m.Contacts.Single().Uri!.Headers.ShouldBe("Route=%3Csip:sip.example.com%3E"),
        ["rfc4475/sdp01"] = m => m.GetFirst(SipHeaderId.Accept).ShouldBe("text/nobodyKnowsThis"),
        ["rfc4475/inv2543"] = m =>
        {
            m.MaxForwards.ShouldBeNull();
            m.TopVia.Branch.ShouldBeNull();
            m.From.Tag.ShouldBeNull();
            m.RecordRoutes.Single().Uri!.GetParameter("maddr").ShouldBe("ss1.example.com");
            TortureConformanceTests.Text(m.Body).ShouldStartWith("v=0\r\n");
            TortureConformanceTests.Text(m.Body).ShouldEndWith("m=audio 49217 RTP/AVP 0\r\n");
        },
        ["rfc5118/ipv6-good"] = m =>
        {
            m.RequestUriParsed.Host.ShouldBe("[2001:db8::10]");
            m.RequestUriParsed.HostAddress.ShouldBe("2001:db8::10");
            m.TopVia.Host.ShouldBe("[2001:db8::9:1]");
            m.Contacts.Single().Uri!.HostAddress.ShouldBe("2001:db8::1");
        },
        ["rfc5118/port-ambiguous"] = m =>
        {
            m.RequestUriParsed.HostAddress.ShouldBe("2001:db8::10:5070");
            m.RequestUriParsed.Port.ShouldBeNull();
        },
        ["rfc5118/port-unambiguous"] = m =>
        {
            m.RequestUriParsed.HostAddress.ShouldBe("2001:db8::10");
            m.RequestUriParsed.Port.ShouldBe(5070);
        },
        ["rfc5118/via-received-param-with-delim"] = m => m.TopVia.Received.ShouldBe("[2001:db8::9:255]"),
        ["rfc5118/via-received-param-no-delim"] = m => m.TopVia.Received.ShouldBe("2001:db8::9:255"),
        ["rfc5118/ipv6-in-sdp"] = m => TortureConformanceTests.Text(m.Body).ShouldContain("c=IN IP6 2001:db8::20"),
        ["rfc5118/mult-ip-in-header"] = m =>
        {
            m.Vias.Select(v => (v.Host, v.Port)).ShouldBe([("[2001:db8::9:1]", (int?)6050), ("192.0.2.1", null), ("[2001:db8::9:255]", null)]);
            m.Vias[2].Transport.ShouldBe("TCP");
            m.Vias[2].Received.ShouldBe("192.0.2.200");
        },
        ["rfc5118/mult-ip-in-sdp"] = m => TortureConformanceTests.Text(m.Body).ShouldContain("c=IN IP6 2001:db8::1"),
        ["rfc5118/ipv4-mapped-ipv6"] = m =>
        {
            m.Vias.Select(v => v.Host).ShouldBe(["[::ffff:192.0.2.10]", "[::ffff:192.0.2.2]"]);
            m.Vias[0].Port.ShouldBe(19823);
            m.Contacts.Single().Uri!.HostAddress.ShouldBe("::ffff:192.0.2.2");
        },
        ["rfc5118/ipv6-correct-abnf-2-colons"] = m => m.RequestUriParsed.HostAddress.ShouldBe("2001:db8::192.0.2.1"),
    };

    public static TheoryData<string> Accepted()
    {
        var data = new TheoryData<string>();
        foreach (var (key, e) in ConformanceExpectations.ByKey.Where(x => x.Value.Udp == Outcome.Accept))
        {
            data.Add(key);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Accepted_message_has_the_facts_the_rfc_names(string key)
    {
        Facts.ShouldContainKey(key, "every accepted torture message states its facts");
        var result = SipParser.Parse(TortureCorpus.Read(key), isStream: false, SipParserOptions.Default, out var message);
        result.Status.ShouldBe(SipFrameStatus.Complete);
        Facts[key](message!);
    }
}
