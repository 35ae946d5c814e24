using System.Diagnostics;
using System.Text;
using CallControl.Sip.Message;
using Shouldly;

namespace CallControl.Tests.Message.Conformance;

/// <summary>Malformed input always ends in a clean Reject (with a reason and status) or NeedMoreData, never an
/// exception, and quickly.</summary>
public class MalformedInputTests
{
    private static readonly string Invite = TypicalMessages.Invite;
    private static readonly string ContentLength = $"Content-Length: {TypicalMessages.AsteriskInviteSdp.Length}";

    [Theory]
    // Content-Length: negative, non-numeric, empty, huge, signed, exponent
    [InlineData("CL", "Content-Length: -1", SipParseError.BadContentLength, 400)]
    [InlineData("CL", "Content-Length: abc", SipParseError.BadContentLength, 400)]
    [InlineData("CL", "Content-Length:", SipParseError.BadContentLength, 400)]
    [InlineData("CL", "Content-Length: +5", SipParseError.BadContentLength, 400)]
    [InlineData("CL", "Content-Length: 1e3", SipParseError.BadContentLength, 400)]
    [InlineData("CL", "Content-Length: 4294967296", SipParseError.MessageTooLarge, 513)]
    [InlineData("CL", "Content-Length: 99999999999999999999999999999", SipParseError.MessageTooLarge, 513)]
    // numbers past 2^32 in CSeq, Max-Forwards
    [InlineData("CSeq: 21842 INVITE", "CSeq: 4294967296 INVITE", SipParseError.BadCSeq, 400)]
    [InlineData("CSeq: 21842 INVITE", "CSeq: 18446744073709551617 INVITE", SipParseError.BadCSeq, 400)]
    [InlineData("CSeq: 21842 INVITE", "CSeq: 999999999999999999999999999999999999 INVITE", SipParseError.BadCSeq, 400)]
    [InlineData("CSeq: 21842 INVITE", "CSeq: -1 INVITE", SipParseError.BadCSeq, 400)]
    [InlineData("CSeq: 21842 INVITE", "CSeq: 0x10 INVITE", SipParseError.BadCSeq, 400)]
    [InlineData("CSeq: 21842 INVITE", "CSeq: 21842", SipParseError.BadCSeq, 400)]
    [InlineData("CSeq: 21842 INVITE", "CSeq: INVITE", SipParseError.BadCSeq, 400)]
    [InlineData("Max-Forwards: 70", "Max-Forwards: 4294967296", SipParseError.BadMaxForwards, 400)]
    [InlineData("Max-Forwards: 70", "Max-Forwards: 256", SipParseError.BadMaxForwards, 400)]
    [InlineData("Max-Forwards: 70", "Max-Forwards: -1", SipParseError.BadMaxForwards, 400)]
    [InlineData("Max-Forwards: 70", "Max-Forwards:", SipParseError.BadMaxForwards, 400)]
    // NUL bytes in the start line and headers (legal only as a quoted-pair)
    [InlineData("INVITE sip:", "INV\0ITE sip:", SipParseError.BadMethod, 400)]
    [InlineData("sip:+31205550123@", "sip:+3120\0550123@", SipParseError.BadRequestUri, 400)]
    [InlineData("Max-Forwards: 70", "Max-\0Forwards: 70", SipParseError.BadHeaderLine, 400)]
    [InlineData("Call-ID: 8f2d", "Call-ID: 8f\02d", SipParseError.BadHeaderLine, 400)]
    [InlineData("User-Agent: Asterisk", "User-Agent: \0Asterisk", SipParseError.BadHeaderLine, 400)]
    // empty, missing or broken header names
    [InlineData("Max-Forwards: 70", ": 70", SipParseError.BadHeaderLine, 400)]
    [InlineData("Max-Forwards: 70", "Max-Forwards 70", SipParseError.BadHeaderLine, 400)]
    [InlineData("Max-Forwards: 70", "Max Forwards: 70", SipParseError.BadHeaderLine, 400)]
    [InlineData("Max-Forwards: 70", "Max-Forwards\u00e9: 70", SipParseError.BadHeaderLine, 400)]
    // required and single-value headers
    [InlineData("Call-ID: 8f2d6b1a-3e4c-4a7b-9c0d-5e6f7a8b9c0d\r\n", "", SipParseError.MissingRequiredHeader, 400)]
    [InlineData("Call-ID: 8f2d6b1a-3e4c-4a7b-9c0d-5e6f7a8b9c0d", "Call-ID:", SipParseError.MissingRequiredHeader, 400)]
    [InlineData("Max-Forwards: 70", "Max-Forwards: 70\r\nMax-Forwards: 69", SipParseError.DuplicateHeader, 400)]
    [InlineData("Max-Forwards: 70", "Max-Forwards: 70\r\ni: other", SipParseError.DuplicateHeader, 400)]
    // request line
    [InlineData("INVITE sip:+31205550123@198.51.100.20:5060 SIP/2.0", "INVITE sip:+31205550123@198.51.100.20:5060 SIP/2.0 ", SipParseError.BadStartLine, 400)]
    [InlineData("INVITE sip:+31205550123@198.51.100.20:5060 SIP/2.0", "INVITE sip:+31205550123@198.51.100.20:5060", SipParseError.BadStartLine, 400)]
    [InlineData("INVITE sip:+31205550123@198.51.100.20:5060 SIP/2.0", "INVITE sip:+31205550123@198.51.100.20:5060 SIP/2.1", SipParseError.VersionNotSupported, 505)]
    [InlineData("INVITE sip:+31205550123@198.51.100.20:5060 SIP/2.0", "INVITE nocolon SIP/2.0", SipParseError.BadRequestUri, 400)]
    [InlineData("INVITE sip:", "\r\n \r\nINVITE sip:", SipParseError.BadStartLine, 400)]
    public void Malformed_request_is_rejected_with_reason_and_status(string find, string replace, SipParseError error, int status)
    {
        var text = find == "CL" ? Invite.Replace(ContentLength, replace) : ReplaceFirst(Invite, find, replace);
        text.ShouldNotBe(Invite);
        foreach (var isStream in new[] { false, true })
        {
            var result = SipParser.Parse(Encoding.UTF8.GetBytes(text), isStream, SipParserOptions.Default, out var message);
            message.ShouldBeNull();
            (result.Status, result.Error, result.StatusCode).ShouldBe((SipFrameStatus.Reject, error, status), $"stream={isStream}");
            result.ReasonPhrase.ShouldNotBeNullOrWhiteSpace();
        }
    }

    [Theory]
    [InlineData("SIP/2.0 4294967496 OK")]
    [InlineData("SIP/2.0 18446744073709551816 OK")]
    [InlineData("SIP/2.0 -200 OK")]
    [InlineData("SIP/2.0 20 OK")]
    [InlineData("SIP/2.0 099 OK")]
    [InlineData("SIP/2.0 200OK")]
    [InlineData("SIP/2.0  200 OK")]
    [InlineData("SIP/2.0")]
    public void Response_with_a_bad_status_line_is_dropped(string statusLine)
    {
        var bytes = Encoding.UTF8.GetBytes(TypicalMessages.Ok200.Replace("SIP/2.0 200 OK", statusLine));
        foreach (var isStream in new[] { false, true })
        {
            ConformanceElement.Receive(bytes, isStream).ShouldBe(Outcome.Drop);
        }
    }

    [Theory]
    [InlineData("From: \"Reception\" <sip:201@192.0.2.10>", "From: \"Reception <sip:201@192.0.2.10>")]
    [InlineData("From: \"Reception\" <sip:201@192.0.2.10>", "From: \"Reception\" <sip:201@192.0.2.10")]
    [InlineData("From: \"Reception\" <sip:201@192.0.2.10>", "From: \"Reception\\\"")]
    [InlineData("To: <sip:+31205550123@198.51.100.20>", "To: <<<<sip:+31205550123@198.51.100.20>>>>")]
    [InlineData("To: <sip:+31205550123@198.51.100.20>", "To: <>")]
    [InlineData("To: <sip:+31205550123@198.51.100.20>", "To:")]
    [InlineData("Contact: <sip:asterisk@192.0.2.10:5060>", "Contact: <sip:asterisk@192.0.2.10:5060;;>")]
    [InlineData("Contact: <sip:asterisk@192.0.2.10:5060>", "Contact: <sip:asterisk@[192.0.2.10>")]
    [InlineData("Contact: <sip:asterisk@192.0.2.10:5060>", "Contact: <sip:asterisk@192.0.2.10:99999>")]
    [InlineData("Via: SIP/2.0/UDP 192.0.2.10:5060", "Via: SIP/2.0/UDP")]
    [InlineData("Via: SIP/2.0/UDP 192.0.2.10:5060", "Via: SIP/2.0/UDP [2001:db8::1")]
    [InlineData("Via: SIP/2.0/UDP 192.0.2.10:5060", "Via: SIP/3.0/UDP 192.0.2.10:5060")]
    [InlineData("INVITE sip:+31205550123@198.51.100.20:5060", "INVITE sip:+31205550123@[198.51.100.20]:5060")]
    [InlineData("INVITE sip:+31205550123@198.51.100.20:5060", "INVITE sip:+31205550123@198.51.100.20:-1")]
    [InlineData("INVITE sip:+31205550123@198.51.100.20:5060", "INVITE sip:@198.51.100.20")]
    public void Malformed_typed_header_is_answered_400_by_its_accessor(string find, string replace)
    {
        var bytes = Encoding.UTF8.GetBytes(ReplaceFirst(Invite, find, replace));
        ConformanceElement.Receive(bytes, isStream: false, out var message, out var detail).ShouldBe(Outcome.Reject(400), detail);
        message.ShouldNotBeNull("the framer accepted it; the typed accessor rejects it");
    }

    public static TheoryData<string, byte[]> Hostile()
    {
        var head = Invite[..Invite.IndexOf("Content-Type", StringComparison.Ordinal)];
        byte[] Message(string extra) => Encoding.UTF8.GetBytes(head + extra + "Content-Length: 0\r\n\r\n");
        return new TheoryData<string, byte[]>
        {
            { "header line over the limit", Message("X-Long: " + new string('a', 5000) + "\r\n") },
            { "too many headers", Message(string.Concat(Enumerable.Repeat("X-H: v\r\n", 120))) },
            { "10k quotes in a display name", Message("Contact: " + new string('"', 4000) + "<sip:a@b>\r\n") },
            { "nested angle brackets", Message("Contact: " + new string('<', 2000) + "sip:a@b" + new string('>', 2000) + "\r\n") },
            { "unterminated angle bracket", Message("Route: " + new string('<', 4000) + "\r\n") },
            { "unterminated quote with escapes", Message("Contact: \"" + string.Concat(Enumerable.Repeat("\\\"", 2000)) + "\r\n") },
            { "thousands of Via parameters", Message("Via: SIP/2.0/UDP h" + string.Concat(Enumerable.Repeat(";a", 2000)) + "\r\n") },
            { "thousands of empty Route values", Message("Route: " + new string(',', 4000) + "\r\n") },
            { "a thousand folded lines", Message("Subject: x" + string.Concat(Enumerable.Repeat("\r\n x", 1000)) + "\r\n") },
            { "87 Route lines", Message(string.Concat(Enumerable.Repeat("Route: <sip:a;lr>\r\n", 99 - 12))) },
            { "percent escapes everywhere", Message("Contact: <sip:" + string.Concat(Enumerable.Repeat("%", 3000)) + "@h>\r\n") },
            { "only CRLFs", Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("\r\n", 30000))) },
            { "bare CRs", Encoding.ASCII.GetBytes(Invite.Replace("\r\n", "\r")) },
            { "no empty line", Encoding.UTF8.GetBytes(head) },
            { "message over the size limit", Encoding.UTF8.GetBytes(Invite.Replace(ContentLength, "Content-Length: 70000") + new string('x', 70000)) },
            { "all 256 byte values", Enumerable.Range(0, 256).Select(i => (byte)i).ToArray() },
        };
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Hostile_input_ends_cleanly_and_quickly(string name, byte[] bytes)
    {
        foreach (var isStream in new[] { false, true })
        {
            var clock = Stopwatch.StartNew();
            var outcome = ConformanceElement.Receive(bytes, isStream, out var message, out var detail);
            if (message is not null)
            {
                FuzzTarget.ExerciseMessage(message);
            }

            clock.ElapsedMilliseconds.ShouldBeLessThan(500, $"{name}: {outcome} ({detail})");
            if (!isStream)
            {
                outcome.Verdict.ShouldNotBe(Verdict.NeedMore, name);
            }
        }
    }

    [Fact]
    public void Limits_give_the_documented_errors()
    {
        var hostile = Hostile().ToDictionary(row => (string)row[0], row => (byte[])row[1]);
        SipParser.Frame(hostile["header line over the limit"], true, SipParserOptions.Default).Error.ShouldBe(SipParseError.LineTooLong);
        SipParser.Frame(hostile["too many headers"], true, SipParserOptions.Default).Error.ShouldBe(SipParseError.TooManyHeaders);
        SipParser.Frame(hostile["message over the size limit"], true, SipParserOptions.Default).Error.ShouldBe(SipParseError.MessageTooLarge);
        SipParser.Frame(hostile["no empty line"], true, SipParserOptions.Default).ShouldBe(SipFrameResult.NeedMoreData);
        SipParser.Frame(hostile["no empty line"], false, SipParserOptions.Default).Error.ShouldBe(SipParseError.IncompleteHeaders);
        SipParser.Frame(hostile["only CRLFs"], true, SipParserOptions.Default).ShouldBe(SipFrameResult.NeedMoreData);
    }

    private static string ReplaceFirst(string text, string find, string replace)
    {
        var i = text.IndexOf(find, StringComparison.Ordinal);
        i.ShouldBeGreaterThanOrEqualTo(0, find);
        return text[..i] + replace + text[(i + find.Length)..];
    }
}
