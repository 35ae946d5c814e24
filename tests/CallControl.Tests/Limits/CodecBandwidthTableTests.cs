using CallControl.Limits;
using Shouldly;
using Xunit;

namespace CallControl.Tests.Limits;

public class CodecBandwidthTableTests
{
    private const int Ip4Overhead = 40; // IP 20 + UDP 8 + RTP 12
    private static readonly CodecBandwidthTable Table = CodecBandwidthTable.Default;

    private static CodecSpec Codec(string name, string? variant = null) =>
        Table.Codecs.Single(c => c.EncodingName == name && c.FmtpVariant == variant);

    [Theory]
    // PCMU 20 ms: 160 B payload + 40 B = 200 B * 8 = 1600 bit per packet * 50 pps = 80 kbit/s
    [InlineData("PCMU", null, 20, 80)]
    // PCMA: same as PCMU
    [InlineData("PCMA", null, 20, 80)]
    // PCMU 10 ms: 80 + 40 = 120 B * 8 * 100 pps = 96 kbit/s (overhead doubles)
    [InlineData("PCMU", null, 10, 96)]
    // PCMU 30 ms: 240 + 40 = 280 B * 8 / 30 ms = 74.67 -> 75 kbit/s
    [InlineData("PCMU", null, 30, 75)]
    // G.722: 64 kbit/s payload like G.711 -> 80 kbit/s
    [InlineData("G722", null, 20, 80)]
    // G.729 20 ms: 2 frames * 10 B = 20 B + 40 B = 60 B * 8 * 50 pps = 24 kbit/s
    [InlineData("G729", null, 20, 24)]
    // G.729 30 ms: 30 + 40 = 70 B * 8 / 30 = 18.67 -> 19 kbit/s
    [InlineData("G729", null, 30, 19)]
    // GSM 20 ms: 33 + 40 = 73 B * 8 * 50 = 29.2 -> 30 kbit/s
    [InlineData("GSM", null, 20, 30)]
    // iLBC mode 30: 50 + 40 = 90 B * 8 / 30 ms = 24 kbit/s
    [InlineData("iLBC", null, 30, 24)]
    // iLBC mode 20: 38 + 40 = 78 B * 8 * 50 = 31.2 -> 32 kbit/s
    [InlineData("iLBC", "mode=20", 20, 32)]
    // Opus nominal 32 kbit/s, 20 ms: 80 + 40 = 120 B * 8 * 50 = 48 kbit/s
    [InlineData("opus", null, 20, 48)]
    // G.723.1 6.3k, 30 ms: 24 + 40 = 64 B * 8 / 30 = 17.07 -> 18 kbit/s
    [InlineData("G723", null, 30, 18)]
    // G.726-32 20 ms: 80 + 40 = 120 B * 8 * 50 = 48 kbit/s
    [InlineData("G726-32", null, 20, 48)]
    // telephone-event: not counted (replaces voice packets)
    [InlineData("telephone-event", null, 20, 0)]
    public void Rate_at_ptime_includes_ip_udp_rtp_headers(string name, string? variant, int ptime, int kbps) =>
        Codec(name, variant).KbpsAt(ptime, Ip4Overhead).ShouldBe(kbps);

    [Fact]
    public void IPv6_adds_20_bytes_per_packet()
    {
        // PCMU 20 ms over IPv6: 160 + 60 = 220 B * 8 * 50 = 88 kbit/s
        Codec("PCMU").KbpsAt(20, 60).ShouldBe(88);
    }

    [Fact]
    public void Ptime_that_is_not_a_multiple_of_the_frame_rounds_down_to_whole_frames()
    {
        // GSM at 30 ms cannot be sent: 1 frame of 20 ms per packet is the conservative reading -> 30 kbit/s
        Codec("GSM").KbpsAt(30, Ip4Overhead).ShouldBe(30);
        // iLBC 30 ms frames with ptime 20: still one 30 ms frame per packet
        Codec("iLBC").KbpsAt(20, Ip4Overhead).ShouldBe(24);
    }

    [Fact]
    public void Opus_bitrate_override_from_fmtp()
    {
        // maxaveragebitrate=20000: 50 B per 20 ms + 40 = 90 B * 8 * 50 = 36 kbit/s
        Codec("opus").KbpsAt(20, Ip4Overhead, 20000).ShouldBe(36);
    }

    [Fact]
    public void Payload_rates_match_the_codec_standards()
    {
        Codec("PCMU").PayloadBitsPerSecond.ShouldBe(64000);
        Codec("G729").PayloadBitsPerSecond.ShouldBe(8000);
        Codec("GSM").PayloadBitsPerSecond.ShouldBe(13200);
        Codec("iLBC", "mode=20").PayloadBitsPerSecond.ShouldBe(15200);
        Codec("iLBC").PayloadBitsPerSecond.ShouldBe(13333);
        Codec("opus").PayloadBitsPerSecond.ShouldBe(32000);
    }

    [Fact]
    public void Find_by_static_payload_type_without_rtpmap()
    {
        Table.Find(0, null, null)!.EncodingName.ShouldBe("PCMU");
        Table.Find(8, null, null)!.EncodingName.ShouldBe("PCMA");
        Table.Find(18, null, null)!.EncodingName.ShouldBe("G729");
        Table.Find(96, null, null).ShouldBeNull(); // dynamic without rtpmap: unknown
    }

    [Fact]
    public void Find_by_rtpmap_name_case_insensitive_and_fmtp_variant()
    {
        Table.Find(97, new SdpRtpMap(97, "OPUS", 48000, 2), null)!.EncodingName.ShouldBe("opus");
        Table.Find(98, new SdpRtpMap(98, "iLBC", 8000, null), new SdpFmtp(98, "mode=20"))!.FmtpVariant.ShouldBe("mode=20");
        Table.Find(98, new SdpRtpMap(98, "iLBC", 8000, null), new SdpFmtp(98, "mode=30"))!.FmtpVariant.ShouldBeNull();
        Table.Find(98, new SdpRtpMap(98, "iLBC", 8000, null), null)!.FmtpVariant.ShouldBeNull();
        Table.Find(99, new SdpRtpMap(99, "speex", 8000, null), null).ShouldBeNull();
    }

    [Fact]
    public void Bad_table_row_is_refused_with_its_name()
    {
        var ex = Should.Throw<ArgumentOutOfRangeException>(() => new CodecBandwidthTable([new CodecSpec("X", 8000, null, 0, 10)]));
        ex.Message.ShouldContain("X/8000");
    }
}
