using System.Text;

namespace CallControl.Samples;

/// <summary>Everyday traffic: an INVITE as Asterisk (chan_pjsip) sends it, the 200 OK with SDP, an in-dialog BYE.
/// One copy, compiled into the SIP tests and the benchmarks (linked from both project files).</summary>
internal static class SipCorpus
{
    public const string AsteriskInviteSdp =
        "v=0\r\n" +
        "o=- 1716820323 1716820323 IN IP4 192.0.2.10\r\n" +
        "s=Asterisk\r\n" +
        "c=IN IP4 192.0.2.10\r\n" +
        "t=0 0\r\n" +
        "m=audio 14516 RTP/AVP 8 0 101\r\n" +
        "a=rtpmap:8 PCMA/8000\r\n" +
        "a=rtpmap:0 PCMU/8000\r\n" +
        "a=rtpmap:101 telephone-event/8000\r\n" +
        "a=fmtp:101 0-16\r\n" +
        "a=ptime:20\r\n" +
        "a=maxptime:150\r\n" +
        "a=sendrecv\r\n";

    public static readonly string Invite =
        "INVITE sip:+31205550123@198.51.100.20:5060 SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 192.0.2.10:5060;rport;branch=z9hG4bKPj6f1c2a34-8b1e-4c9a-9d3f-2a7c5e0b1d42\r\n" +
        "From: \"Reception\" <sip:201@192.0.2.10>;tag=3c5a9e07-4b2d-4f1e-8a6c-0d9b7e2f1a35\r\n" +
        "To: <sip:+31205550123@198.51.100.20>\r\n" +
        "Contact: <sip:asterisk@192.0.2.10:5060>\r\n" +
        "Call-ID: 8f2d6b1a-3e4c-4a7b-9c0d-5e6f7a8b9c0d\r\n" +
        "CSeq: 21842 INVITE\r\n" +
        "Allow: OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, PUBLISH, INVITE, ACK, BYE, CANCEL, UPDATE, PRACK, MESSAGE, REFER\r\n" +
        "Supported: 100rel, timer, replaces, norefersub\r\n" +
        "Session-Expires: 1800\r\n" +
        "Min-SE: 90\r\n" +
        "Max-Forwards: 70\r\n" +
        "User-Agent: Asterisk PBX 20.5.2\r\n" +
        "Content-Type: application/sdp\r\n" +
        $"Content-Length: {AsteriskInviteSdp.Length}\r\n" +
        "\r\n" +
        AsteriskInviteSdp;

    public const string AnswerSdp =
        "v=0\r\n" +
        "o=carrier 4711 4712 IN IP4 198.51.100.20\r\n" +
        "s=-\r\n" +
        "c=IN IP4 198.51.100.21\r\n" +
        "t=0 0\r\n" +
        "m=audio 30422 RTP/AVP 8 101\r\n" +
        "a=rtpmap:8 PCMA/8000\r\n" +
        "a=rtpmap:101 telephone-event/8000\r\n" +
        "a=fmtp:101 0-15\r\n" +
        "a=ptime:20\r\n";

    public static readonly string Ok200 =
        "SIP/2.0 200 OK\r\n" +
        "Via: SIP/2.0/UDP 192.0.2.10:5060;rport=5060;received=192.0.2.10;branch=z9hG4bKPj6f1c2a34-8b1e-4c9a-9d3f-2a7c5e0b1d42\r\n" +
        "Record-Route: <sip:198.51.100.20;lr>\r\n" +
        "From: \"Reception\" <sip:201@192.0.2.10>;tag=3c5a9e07-4b2d-4f1e-8a6c-0d9b7e2f1a35\r\n" +
        "To: <sip:+31205550123@198.51.100.20>;tag=as7d1e0b2c\r\n" +
        "Call-ID: 8f2d6b1a-3e4c-4a7b-9c0d-5e6f7a8b9c0d\r\n" +
        "CSeq: 21842 INVITE\r\n" +
        "Contact: <sip:+31205550123@198.51.100.21:5060>\r\n" +
        "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, UPDATE\r\n" +
        "Supported: timer\r\n" +
        "Session-Expires: 1800;refresher=uac\r\n" +
        "Content-Type: application/sdp\r\n" +
        $"Content-Length: {AnswerSdp.Length}\r\n" +
        "\r\n" +
        AnswerSdp;

    public const string Bye =
        "BYE sip:+31205550123@198.51.100.21:5060 SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 192.0.2.10:5060;rport;branch=z9hG4bKPj0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d\r\n" +
        "Route: <sip:198.51.100.20;lr>\r\n" +
        "From: \"Reception\" <sip:201@192.0.2.10>;tag=3c5a9e07-4b2d-4f1e-8a6c-0d9b7e2f1a35\r\n" +
        "To: <sip:+31205550123@198.51.100.20>;tag=as7d1e0b2c\r\n" +
        "Call-ID: 8f2d6b1a-3e4c-4a7b-9c0d-5e6f7a8b9c0d\r\n" +
        "CSeq: 21843 BYE\r\n" +
        "Max-Forwards: 70\r\n" +
        "Content-Length: 0\r\n" +
        "\r\n";

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
