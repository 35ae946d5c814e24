using System.Text;
using CallControl.Limits;
using CsCheck;
using Shouldly;
using Xunit;

namespace CallControl.Tests.Limits;

public class SdpParserTests
{
    private static SessionDescription ParseOk(string sdp)
    {
        var result = SdpParser.Parse(SdpSamples.Bytes(sdp));
        result.IsSuccess.ShouldBeTrue(result.ToString());
        return result.Description!;
    }

    [Fact]
    public void Parses_an_asterisk_offer()
    {
        var sdp = ParseOk(SdpSamples.AsteriskOffer);

        sdp.Connection.ShouldBe(new SdpConnection(SdpAddressType.Ip4, "127.0.0.11", System.Net.IPAddress.Parse("127.0.0.11")));
        var audio = sdp.Media.ShouldHaveSingleItem();
        audio.Media.ShouldBe("audio");
        audio.Port.ShouldBe(49170);
        audio.Protocol.ShouldBe("RTP/AVP");
        audio.PayloadTypes.ShouldBe([0, 8, 18, 101]);
        audio.RtpMapFor(18).ShouldBe(new SdpRtpMap(18, "G729", 8000, null));
        audio.FmtpFor(18)!.Parameter("annexb").ShouldBe("no");
        audio.PtimeMs.ShouldBe(20);
        audio.MaxPtimeMs.ShouldBe(150);
        audio.Direction.ShouldBe(MediaDirection.SendRecv);
    }

    [Fact]
    public void Parses_ipv6_bandwidth_lines_and_disabled_streams()
    {
        var sdp = ParseOk(SdpSamples.AudioVideoOffer);

        sdp.Connection!.AddressType.ShouldBe(SdpAddressType.Ip6);
        sdp.Connection.Ip!.ToString().ShouldBe("2001:db8::1");
        sdp.Bandwidth.AsKbps.ShouldBe(2000);
        sdp.Media.Count.ShouldBe(3);
        sdp.Media[0].IsSrtp.ShouldBeTrue();
        sdp.Media[0].RtpMapFor(96).ShouldBe(new SdpRtpMap(96, "opus", 48000, 2));
        sdp.Media[1].Bandwidth.TiasBps.ShouldBe(500000);
        sdp.Media[1].MaxPacketRate.ShouldBe(30);
        sdp.Media[2].IsDisabled.ShouldBeTrue();
    }

    [Theory]
    [InlineData("a=inactive", MediaDirection.Inactive)]
    [InlineData("a=sendonly", MediaDirection.SendOnly)]
    [InlineData("a=recvonly", MediaDirection.RecvOnly)]
    [InlineData("a=sendrecv", MediaDirection.SendRecv)]
    public void Direction_at_session_level_applies_to_media_without_one(string line, MediaDirection expected)
    {
        var sdp = ParseOk($"v=0\n{line}\nm=audio 4000 RTP/AVP 0\nm=audio 4002 RTP/AVP 8\na=sendrecv\n");
        sdp.DirectionOf(sdp.Media[0]).ShouldBe(expected);
        sdp.DirectionOf(sdp.Media[1]).ShouldBe(MediaDirection.SendRecv);
    }

    [Fact]
    public void Bare_lf_blank_lines_extra_spaces_and_unknown_attributes_are_accepted()
    {
        var sdp = ParseOk("v=0\n\no=x 1 1 IN IP4 10.0.0.1\nm=audio  4000  RTP/AVP  0   8\na=x-custom:whatever\na=rtpmap:junk\na=ptime:20.5\nz=unknown\n");
        sdp.Media[0].PayloadTypes.ShouldBe([0, 8]);
        sdp.Media[0].RtpMaps.ShouldBeEmpty();
        sdp.Media[0].PtimeMs.ShouldBe(20);
    }

    [Fact]
    public void Session_level_ptime_is_the_default_for_media_without_one()
    {
        var sdp = ParseOk("v=0\na=ptime:30\nm=audio 4000 RTP/AVP 0\nm=audio 4002 RTP/AVP 0\na=ptime:10\n");
        sdp.Media[0].PtimeMs.ShouldBe(30);
        sdp.Media[1].PtimeMs.ShouldBe(10);
    }

    [Fact]
    public void Multicast_ttl_suffix_and_host_names_in_c_line()
    {
        ParseOk("v=0\nc=IN IP4 224.2.1.1/127\nm=audio 4000 RTP/AVP 0\n").Connection!.Address.ShouldBe("224.2.1.1");
        ParseOk("v=0\nc=IN IP4 media.example.com\nm=audio 4000 RTP/AVP 0\n").Connection!.Ip.ShouldBeNull();
    }

    [Fact]
    public void Non_rtp_media_keeps_format_tokens()
    {
        var sdp = ParseOk("v=0\nm=image 5000 udptl t38\n");
        sdp.Media[0].Formats.ShouldBe(["t38"]);
        sdp.Media[0].IsRtp.ShouldBeFalse();
    }

    [Theory]
    [InlineData("", SdpRejectReason.Empty)]
    [InlineData("\r\n\r\n", SdpRejectReason.Empty)]
    [InlineData("o=- 1 1 IN IP4 1.2.3.4\n", SdpRejectReason.MissingVersion)]
    [InlineData("v=1\n", SdpRejectReason.UnsupportedVersion)]
    [InlineData("hello world", SdpRejectReason.MissingVersion)]
    [InlineData("v=0\nthis is not sdp\n", SdpRejectReason.MalformedLine)]
    [InlineData("v=0\nM=audio 4000 RTP/AVP 0\n", SdpRejectReason.MalformedLine)]
    [InlineData("v=0\n=x\n", SdpRejectReason.MalformedLine)]
    [InlineData("v=0\nc=IN IP4\n", SdpRejectReason.MalformedConnection)]
    [InlineData("v=0\nc=IN IP5 1.2.3.4\n", SdpRejectReason.MalformedConnection)]
    [InlineData("v=0\nc=ATM NSAP 1.2.3.4\n", SdpRejectReason.MalformedConnection)]
    [InlineData("v=0\nc=IN IP4 2001:db8::1\n", SdpRejectReason.MalformedConnection)]
    [InlineData("v=0\nc=IN IP6 10.0.0.1\n", SdpRejectReason.MalformedConnection)]
    [InlineData("v=0\nb=AS:lots\n", SdpRejectReason.MalformedBandwidth)]
    [InlineData("v=0\nb=TIAS:-5\n", SdpRejectReason.MalformedBandwidth)]
    [InlineData("v=0\nb=AS:99999999999\n", SdpRejectReason.MalformedBandwidth)]
    [InlineData("v=0\nb=AS\n", SdpRejectReason.MalformedBandwidth)]
    [InlineData("v=0\nm=audio\n", SdpRejectReason.MalformedMedia)]
    [InlineData("v=0\nm=audio 4000 RTP/AVP\n", SdpRejectReason.MalformedMedia)]
    [InlineData("v=0\nm=audio 70000 RTP/AVP 0\n", SdpRejectReason.MalformedMedia)]
    [InlineData("v=0\nm=audio -1 RTP/AVP 0\n", SdpRejectReason.MalformedMedia)]
    [InlineData("v=0\nm=audio 4000/0 RTP/AVP 0\n", SdpRejectReason.MalformedMedia)]
    [InlineData("v=0\nm=audio 4000 RTP/AVP 128\n", SdpRejectReason.MalformedMedia)]
    [InlineData("v=0\nm=audio 4000 RTP/AVP pcmu\n", SdpRejectReason.MalformedMedia)]
    public void Junk_is_rejected_with_a_reason(string sdp, SdpRejectReason reason)
    {
        var result = SdpParser.Parse(Encoding.UTF8.GetBytes(sdp));
        result.IsSuccess.ShouldBeFalse();
        result.Reason.ShouldBe(reason);
    }

    [Fact]
    public void Line_number_of_the_rejection_is_reported()
    {
        SdpParser.Parse("v=0\r\ns=-\r\nm=audio x RTP/AVP 0\r\n"u8).Line.ShouldBe(3);
    }

    [Fact]
    public void Size_limits_are_enforced()
    {
        SdpParser.Parse(new byte[SdpParser.MaxBodyBytes + 1]).Reason.ShouldBe(SdpRejectReason.TooLarge);

        var manyMedia = "v=0\n" + string.Concat(Enumerable.Repeat("m=audio 4000 RTP/AVP 0\n", SdpParser.MaxMediaSections + 1));
        SdpParser.Parse(Encoding.ASCII.GetBytes(manyMedia)).Reason.ShouldBe(SdpRejectReason.TooManyMedia);

        var manyFormats = "v=0\nm=audio 4000 RTP/AVP " + string.Join(' ', Enumerable.Repeat("0", SdpParser.MaxFormatsPerMedia + 1)) + "\n";
        SdpParser.Parse(Encoding.ASCII.GetBytes(manyFormats)).Reason.ShouldBe(SdpRejectReason.TooManyFormats);
    }

    public static TheoryData<string> Samples() =>
        new(SdpSamples.AsteriskOffer, SdpSamples.G729Answer, SdpSamples.PcmaAnswer, SdpSamples.AudioVideoOffer);

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_prefix_of_a_valid_sdp_parses_or_is_rejected_without_throwing(string sample)
    {
        var bytes = SdpSamples.Bytes(sample);
        for (int length = 0; length <= bytes.Length; length++)
        {
            var result = SdpParser.Parse(bytes.AsSpan(0, length));
            (result.IsSuccess || result.Reason != SdpRejectReason.None).ShouldBeTrue();
            // estimating from any prefix never throws either
            BandwidthEstimator.Default.EstimateOffer(bytes.AsSpan(0, length)).TotalKbps.ShouldBeGreaterThanOrEqualTo(0);
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_single_byte_corruption_never_throws(string sample)
    {
        var bytes = SdpSamples.Bytes(sample);
        byte[] replacements = [0x00, (byte)' ', (byte)'=', (byte)'\n', (byte)'9', 0xFF, (byte)'/', (byte)':'];
        for (int i = 0; i < bytes.Length; i++)
        {
            foreach (byte replacement in replacements)
            {
                var copy = (byte[])bytes.Clone();
                copy[i] = replacement;
                var result = SdpParser.Parse(copy);
                (result.IsSuccess || result.Reason != SdpRejectReason.None).ShouldBeTrue();
                BandwidthEstimator.Default.Settle(copy, copy).TotalKbps.ShouldBeGreaterThanOrEqualTo(0);
            }
        }
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        Gen.Byte.Array[0, 300].Sample(bytes =>
        {
            var withHeader = "v=0\n"u8.ToArray().Concat(bytes).ToArray();
            _ = SdpParser.Parse(bytes);
            _ = SdpParser.Parse(withHeader);
            BandwidthEstimator.Default.Settle(withHeader, bytes).TotalKbps.ShouldBeGreaterThanOrEqualTo(0);
        }, iter: 2000);
    }
}
