using CallControl.Sip.Message;
using Shouldly;

namespace CallControl.Tests.Message.Conformance;

/// <summary>Stream framing (Kestrel habit): every strict prefix needs more data and consumes nothing, the whole is
/// complete with its exact length, pipelined messages come out one by one, CRLF keep-alives are skipped; and the
/// UDP/TCP duties RFC 4475 names for clerr, ncl, mcl01 and dblreq.</summary>
public class SipFrameTests
{
    private static readonly SipParserOptions Options = SipParserOptions.Default;

    [Theory]
    [MemberData(nameof(TypicalMessages.Names), MemberType = typeof(TypicalMessages))]
    public void Every_strict_prefix_needs_more_data_and_the_whole_is_complete(string name)
    {
        var bytes = TypicalMessages.Get(name);
        for (var n = 0; n < bytes.Length; n++)
        {
            var prefix = bytes.AsMemory(0, n);
            SipParser.Frame(prefix.Span, isStream: true, Options).ShouldBe(SipFrameResult.NeedMoreData, $"{name}: prefix of {n} bytes");
            SipParser.Parse(prefix, isStream: true, Options, out var partial).ShouldBe(SipFrameResult.NeedMoreData);
            partial.ShouldBeNull();
        }

        SipParser.Frame(bytes, isStream: true, Options).ShouldBe(SipFrameResult.Complete(bytes.Length));
        SipParser.Parse(bytes, isStream: true, Options, out var message).ShouldBe(SipFrameResult.Complete(bytes.Length));
        message!.Raw.Length.ShouldBe(bytes.Length);
    }

    [Theory]
    [MemberData(nameof(TypicalMessages.Names), MemberType = typeof(TypicalMessages))]
    public void Every_prefix_after_keep_alives_needs_more_data(string name)
    {
        var bytes = TypicalMessages.Bytes("\r\n\r\n").Concat(TypicalMessages.Get(name)).ToArray();
        for (var n = 0; n < bytes.Length; n++)
        {
            SipParser.Frame(bytes.AsSpan(0, n), isStream: true, Options).ShouldBe(SipFrameResult.NeedMoreData, $"{name}: prefix of {n} bytes");
        }

        SipParser.Parse(bytes, isStream: true, Options, out var message).ShouldBe(SipFrameResult.Complete(bytes.Length));
        message!.Raw.Length.ShouldBe(bytes.Length - 4, "Raw starts at the start line");
    }

    [Fact]
    public void Pipelined_messages_are_framed_one_by_one_and_keep_alives_between_them_are_skipped()
    {
        var names = new[] { "invite", "ok200", "bye", "wsinv", "invite" };
        var separators = new[] { "", "\r\n", "\r\n\r\n", "\n", "\r\n\r\n\r\n" };
        var stream = new List<byte>();
        var expected = new List<int>();
        for (var i = 0; i < names.Length; i++)
        {
            var sep = TypicalMessages.Bytes(separators[i]);
            var message = TypicalMessages.Get(names[i]);
            stream.AddRange(sep);
            stream.AddRange(message);
            expected.Add(sep.Length + message.Length);
        }

        stream.AddRange(TypicalMessages.Bytes("\r\n\r\n")); // a trailing ping: needs more data, consumes nothing
        var buffer = stream.ToArray().AsMemory();
        var lengths = new List<int>();
        while (true)
        {
            var result = SipParser.Parse(buffer, isStream: true, Options, out var message);
            if (result.Status == SipFrameStatus.NeedMoreData)
            {
                break;
            }

            result.Status.ShouldBe(SipFrameStatus.Complete, result.Error.ToString());
            message!.Raw.Span[0].ShouldNotBe((byte)'\r');
            lengths.Add(result.Length);
            buffer = buffer[result.Length..];
        }

        lengths.ShouldBe(expected);
        buffer.Length.ShouldBe(4);
        SipParser.KeepAliveLength(buffer.Span).ShouldBe(4, "the transport consumes (and answers) the ping");
    }

    [Fact]
    public void Dblreq_over_udp_keeps_only_the_register_and_over_tcp_frames_the_invite_next()
    {
        var bytes = TortureCorpus.Read("rfc4475/dblreq");
        SipParser.Parse(bytes, isStream: false, Options, out var register).Status.ShouldBe(SipFrameStatus.Complete);
        register!.Method.ShouldBe(SipMethod.Register);
        register.Raw.Length.ShouldBeLessThan(bytes.Length, "the trailing INVITE octets are discarded");

        var first = SipParser.Parse(bytes, isStream: true, Options, out var r1);
        r1!.Method.ShouldBe(SipMethod.Register);
        var second = SipParser.Parse(bytes.AsMemory(first.Length), isStream: true, Options, out var invite);
        second.Status.ShouldBe(SipFrameStatus.Complete);
        invite!.Method.ShouldBe(SipMethod.Invite);
        invite.ContentLength.ShouldBe(150);
        (first.Length + second.Length).ShouldBeLessThanOrEqualTo(bytes.Length, "the archive INVITE body is longer than its Content-Length");
    }

    [Fact]
    public void Clerr_is_400_over_udp_and_waits_over_tcp_at_every_prefix()
    {
        var bytes = TortureCorpus.Read("rfc4475/clerr");
        var udp = SipParser.Parse(bytes, isStream: false, Options, out _);
        (udp.Status, udp.Error, udp.StatusCode).ShouldBe((SipFrameStatus.Reject, SipParseError.BodyTruncated, 400));
        for (var n = 0; n <= bytes.Length; n++)
        {
            SipParser.Frame(bytes.AsSpan(0, n), isStream: true, Options).ShouldBe(SipFrameResult.NeedMoreData);
        }
    }

    [Theory]
    [InlineData("rfc4475/ncl")]
    [InlineData("rfc4475/mcl01")]
    public void Bad_content_length_is_400_over_udp_and_a_reject_over_tcp(string key)
    {
        var bytes = TortureCorpus.Read(key);
        foreach (var isStream in new[] { false, true })
        {
            var result = SipParser.Parse(bytes, isStream, Options, out var message);
            message.ShouldBeNull();
            (result.Status, result.Error, result.StatusCode).ShouldBe((SipFrameStatus.Reject, SipParseError.BadContentLength, 400));
        }
    }

    [Theory]
    [InlineData("Content-Length: five")]
    [InlineData("Content-Length: -999")]
    [InlineData("Content-Length: 1 5")]
    [InlineData("Content-Length:\r\n -1")]
    public void Non_numeric_or_negative_content_length_is_rejected_before_the_body(string header)
    {
        var text = TypicalMessages.Bye.Replace("Content-Length: 0", header);
        SipParser.Frame(TypicalMessages.Bytes(text), isStream: true, Options).Error.ShouldBe(SipParseError.BadContentLength);
    }

    [Fact]
    public void Folded_content_length_and_leading_zeros_frame_the_body()
    {
        var text = TypicalMessages.Bye.Replace("Content-Length: 0\r\n\r\n", "Content-Length:\r\n 0004\r\n\r\nbody");
        SipParser.Frame(TypicalMessages.Bytes(text), isStream: true, Options).ShouldBe(SipFrameResult.Complete(text.Length));
    }

    [Fact]
    public void A_datagram_of_keep_alives_only_is_not_a_message()
    {
        SipParser.Frame("\r\n\r\n"u8, isStream: false, Options).Status.ShouldBe(SipFrameStatus.Reject);
        SipParser.Frame("\r\n\r\n"u8, isStream: true, Options).ShouldBe(SipFrameResult.NeedMoreData);
        SipParser.KeepAliveLength("\r\n\r\n"u8).ShouldBe(4);
        SipParser.IsResponse("\r\nSIP/2.0 200 OK\r\n"u8).ShouldBeTrue();
        SipParser.IsResponse("INVITE sip:a@b SIP/2.0\r\n"u8).ShouldBeFalse();
    }
}
