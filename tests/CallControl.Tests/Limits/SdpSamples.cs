using System.Text;

namespace CallControl.Tests.Limits;

/// <summary>SDP bodies as PBXs send them (Asterisk / FreeSWITCH style), CRLF line ends.</summary>
internal static class SdpSamples
{
    public static byte[] Bytes(string sdp) => Encoding.UTF8.GetBytes(sdp.ReplaceLineEndings("\r\n"));

    public const string AsteriskOffer = """
        v=0
        o=- 1929323620 1929323620 IN IP4 127.0.0.11
        s=Asterisk
        c=IN IP4 127.0.0.11
        t=0 0
        m=audio 49170 RTP/AVP 0 8 18 101
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:18 G729/8000
        a=fmtp:18 annexb=no
        a=rtpmap:101 telephone-event/8000
        a=fmtp:101 0-16
        a=ptime:20
        a=maxptime:150
        a=sendrecv

        """;

    public const string G729Answer = """
        v=0
        o=- 1 1 IN IP4 127.0.0.21
        s=-
        c=IN IP4 127.0.0.21
        t=0 0
        m=audio 30000 RTP/AVP 18 101
        a=rtpmap:18 G729/8000
        a=rtpmap:101 telephone-event/8000
        a=ptime:20

        """;

    public const string PcmaAnswer = """
        v=0
        o=- 1 2 IN IP4 127.0.0.21
        s=-
        c=IN IP4 127.0.0.21
        t=0 0
        m=audio 30000 RTP/AVP 101 8
        a=rtpmap:8 PCMA/8000
        a=rtpmap:101 telephone-event/8000

        """;

    public const string AudioVideoOffer = """
        v=0
        o=alice 2890844526 2890844526 IN IP6 2001:db8::1
        s=call
        c=IN IP6 2001:db8::1
        b=AS:2000
        t=0 0
        m=audio 49170 RTP/SAVP 96 0
        a=rtpmap:96 opus/48000/2
        a=fmtp:96 maxaveragebitrate=20000;useinbandfec=1
        a=rtpmap:0 PCMU/8000
        m=video 51372 RTP/AVP 97
        b=TIAS:500000
        a=maxprate:30
        a=rtpmap:97 H264/90000
        m=video 0 RTP/AVP 98
        a=rtpmap:98 VP8/90000

        """;
}
