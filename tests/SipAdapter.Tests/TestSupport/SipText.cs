using CallControl.Sip.Message;
using CallControl.Sip.Proxy;

namespace CallControl.Tests.TestSupport;

/// <summary>Request texts the test parties send.</summary>
public static class SipText
{
    public static string Invite(TestUserAgent caller, SipEndpoint proxy, string callId, string branch, string user = "+31205550200",
        int maxForwards = 70, string extraHeaders = "", uint cseq = 1)
    {
        const string sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.11\r\ns=-\r\nc=IN IP4 127.0.0.11\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
        return $"INVITE sip:{user}@{proxy.Address}:{proxy.Port} SIP/2.0\r\n" +
               $"Via: SIP/2.0/UDP {caller.HostPort};branch={branch};rport\r\n" +
               $"Max-Forwards: {maxForwards}\r\n" +
               $"From: \"Alice\" <sip:alice@{caller.EndPoint.Address}>;tag=caller-tag\r\n" +
               $"To: <sip:{user}@{proxy.Address}>\r\n" +
               $"Call-ID: {callId}\r\n" +
               $"CSeq: {cseq} INVITE\r\n" +
               $"Contact: <sip:alice@{caller.HostPort}>\r\n" +
               extraHeaders +
               "Content-Type: application/sdp\r\n" +
               $"Content-Length: {sdp.Length}\r\n\r\n" + sdp;
    }

    /// <summary>CANCEL for an INVITE (same branch, Request-URI, From, To, Call-ID, CSeq number).</summary>
    public static string Cancel(SipMessage invite) =>
        $"CANCEL {invite.RequestUri} SIP/2.0\r\n" +
        $"Via: {invite.TopVia.Text}\r\n" +
        "Max-Forwards: 70\r\n" +
        $"From: {invite.GetFirst(SipHeaderId.From)}\r\n" +
        $"To: {invite.GetFirst(SipHeaderId.To)}\r\n" +
        $"Call-ID: {invite.CallId}\r\n" +
        $"CSeq: {invite.CSeq.Number} CANCEL\r\n" +
        "Content-Length: 0\r\n\r\n";

    /// <summary>ACK for a non-2xx final: same branch as the INVITE, To from the response.</summary>
    public static string AckNon2xx(SipMessage invite, SipMessage response) =>
        $"ACK {invite.RequestUri} SIP/2.0\r\n" +
        $"Via: {invite.TopVia.Text}\r\n" +
        "Max-Forwards: 70\r\n" +
        $"From: {invite.GetFirst(SipHeaderId.From)}\r\n" +
        $"To: {response.GetFirst(SipHeaderId.To)}\r\n" +
        $"Call-ID: {invite.CallId}\r\n" +
        $"CSeq: {invite.CSeq.Number} ACK\r\n" +
        "Content-Length: 0\r\n\r\n";

    /// <summary>An in-dialog request built from the dialog state a UA keeps (RFC 3261 §12.2.1.1).</summary>
    public static string InDialog(string method, TestUserAgent sender, string remoteTarget, IEnumerable<string> routeSet, string fromHeader,
        string toHeader, string callId, uint cseq, string branch)
    {
        var routes = string.Concat(routeSet.Select(r => $"Route: {r}\r\n"));
        return $"{method} {remoteTarget} SIP/2.0\r\n" +
               $"Via: SIP/2.0/UDP {sender.HostPort};branch={branch};rport\r\n" +
               "Max-Forwards: 70\r\n" +
               routes +
               $"From: {fromHeader}\r\n" +
               $"To: {toHeader}\r\n" +
               $"Call-ID: {callId}\r\n" +
               $"CSeq: {cseq} {method}\r\n" +
               "Content-Length: 0\r\n\r\n";
    }
}
