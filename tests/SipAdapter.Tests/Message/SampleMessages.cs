using System.Text;

namespace CallControl.Tests.Message;

internal static class SampleMessages
{
    public const string Invite =
        "INVITE sip:+31205550200@127.0.0.1:5060 SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 127.0.0.11:5060;branch=z9hG4bK776asdhds;rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "To: <sip:+31205550200@127.0.0.1>\r\n" +
        "From: \"Alice A\" <sip:alice@127.0.0.11>;tag=1928301774\r\n" +
        "Call-ID: a84b4c76e66710@pc33.example.com\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "Contact: <sip:alice@127.0.0.11:5060>\r\n" +
        "Content-Type: application/sdp\r\n" +
        "Content-Length: 4\r\n" +
        "\r\n" +
        "v=0\n";

    public const string Ringing =
        "SIP/2.0 180 Ringing\r\n" +
        "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKproxy1, SIP/2.0/UDP 127.0.0.11:5060;branch=z9hG4bK776asdhds;received=127.0.0.11;rport=5062\r\n" +
        "To: <sip:+31205550200@127.0.0.1>;tag=a6c85cf\r\n" +
        "From: \"Alice A\" <sip:alice@127.0.0.11>;tag=1928301774\r\n" +
        "Call-ID: a84b4c76e66710@pc33.example.com\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "Content-Length: 0\r\n" +
        "\r\n";

    public static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);
}
