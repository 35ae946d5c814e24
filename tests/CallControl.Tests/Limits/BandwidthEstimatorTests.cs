using CallControl.Limits;
using Shouldly;
using Xunit;

namespace CallControl.Tests.Limits;

public class BandwidthEstimatorTests
{
    private static readonly BandwidthEstimator Estimator = BandwidthEstimator.Default;

    private static MediaBandwidth Offer(string sdp) => Estimator.EstimateOffer(SdpSamples.Bytes(sdp));
    private static MediaBandwidth Settle(string offer, string answer) => Estimator.Settle(SdpSamples.Bytes(offer), SdpSamples.Bytes(answer));

    [Fact]
    public void Offer_reserves_the_most_expensive_offered_codec()
    {
        // PCMU 80, PCMA 80, G729 24, telephone-event not counted -> 80
        var estimate = Offer(SdpSamples.AsteriskOffer);
        estimate.TotalKbps.ShouldBe(80);
        estimate.Source.ShouldBe(BandwidthSource.Offer);
        estimate.Streams.ShouldHaveSingleItem().Codec.ShouldBe("PCMU/8000");
    }

    [Fact]
    public void Answer_settles_to_the_negotiated_codec()
    {
        var settled = Settle(SdpSamples.AsteriskOffer, SdpSamples.G729Answer);
        settled.TotalKbps.ShouldBe(24);
        settled.PrimaryCodec.ShouldBe("G729/8000");
        settled.Source.ShouldBe(BandwidthSource.Answer);
    }

    [Fact]
    public void Telephone_event_listed_first_in_the_answer_is_skipped()
    {
        // answer "101 8": the codec is PCMA
        var settled = Settle(SdpSamples.AsteriskOffer, SdpSamples.PcmaAnswer);
        settled.PrimaryCodec.ShouldBe("PCMA/8000");
        settled.TotalKbps.ShouldBe(80);
    }

    [Fact]
    public void Reinvite_that_changes_codec_reports_the_change()
    {
        var answered = Settle(SdpSamples.AsteriskOffer, SdpSamples.G729Answer);
        var reinvite = Settle(SdpSamples.AsteriskOffer, SdpSamples.PcmaAnswer);

        reinvite.ChangeFrom(answered).ShouldBe(new BandwidthChange(24, 80, "G729/8000", "PCMA/8000"));
        answered.ChangeFrom(Settle(SdpSamples.AsteriskOffer, SdpSamples.G729Answer)).ShouldBeNull();
    }

    [Fact]
    public void Answer_without_a_common_codec_keeps_the_offer_worst_case()
    {
        var answer = "v=0\nc=IN IP4 10.0.0.2\nm=audio 4000 RTP/AVP 3\n";
        var settled = Settle(SdpSamples.AsteriskOffer, answer);
        settled.TotalKbps.ShouldBe(80);
        settled.Streams[0].Basis.ShouldBe(StreamBasis.OfferWorstCase);
    }

    [Fact]
    public void Answer_that_renumbers_a_dynamic_payload_type_is_matched_by_name()
    {
        var offer = "v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 96 0\na=rtpmap:96 iLBC/8000\na=fmtp:96 mode=30\n";
        var answer = "v=0\nc=IN IP4 10.0.0.2\nm=audio 5000 RTP/AVP 102\na=rtpmap:102 iLBC/8000\na=fmtp:102 mode=30\n";
        var settled = Settle(offer, answer);
        settled.PrimaryCodec.ShouldBe("iLBC/8000");
        settled.TotalKbps.ShouldBe(24);
    }

    [Fact]
    public void Different_ptime_or_fmtp_on_the_two_sides_counts_the_larger_direction()
    {
        // offer wants 10 ms PCMU (96 kbit/s), answer 20 ms (80): the offerer's direction carries 96
        var offer = "v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 0\na=ptime:10\n";
        var answer = "v=0\nc=IN IP4 10.0.0.2\nm=audio 5000 RTP/AVP 0\na=ptime:20\n";
        Settle(offer, answer).TotalKbps.ShouldBe(96);
    }

    [Fact]
    public void Maxptime_caps_the_default_ptime()
    {
        // no ptime, maxptime 10 -> 10 ms PCMU = 96 kbit/s
        Offer("v=0\nm=audio 4000 RTP/AVP 0\na=maxptime:10\n").TotalKbps.ShouldBe(96);
    }

    [Fact]
    public void Disabled_streams_count_nothing()
    {
        var offer = "v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 0\nm=audio 0 RTP/AVP 8\n";
        Offer(offer).TotalKbps.ShouldBe(80);
        var answer = "v=0\nc=IN IP4 10.0.0.2\nm=audio 0 RTP/AVP 0\nm=audio 0 RTP/AVP 8\n";
        Settle(offer, answer).TotalKbps.ShouldBe(0);
    }

    [Fact]
    public void Ipv6_srtp_opus_and_video_by_tias_and_maxprate()
    {
        var estimate = Offer(SdpSamples.AudioVideoOffer);
        // audio over IPv6 + SRTP: overhead 40 + 20 + 10 = 70 B per packet
        //   opus maxaveragebitrate=20000: 50 B + 70 = 120 B * 8 * 50 = 48 kbit/s
        //   PCMU: 160 + 70 = 230 B * 8 * 50 = 92 kbit/s  <- worst
        estimate.Streams[0].Kbps.ShouldBe(92);
        // video TIAS 500000 bit/s + 30 pps * 60 B * 8 = 514400 -> 515 kbit/s (RTP/AVP, IPv6)
        estimate.Streams[1].Kbps.ShouldBe(515);
        estimate.Streams[1].Basis.ShouldBe(StreamBasis.BandwidthLine);
        estimate.Streams[2].Basis.ShouldBe(StreamBasis.Disabled);
        estimate.TotalKbps.ShouldBe(92 + 515);
    }

    [Fact]
    public void Video_with_as_line_uses_it_and_without_any_uses_the_default()
    {
        Offer("v=0\nm=video 4000 RTP/AVP 97\nb=AS:384\na=rtpmap:97 H264/90000\n").TotalKbps.ShouldBe(384);
        Offer("v=0\nb=AS:1000\nm=video 4000 RTP/AVP 97\n").TotalKbps.ShouldBe(1000);
        Offer("v=0\nm=video 4000 RTP/AVP 97\n").TotalKbps.ShouldBe(100);
    }

    [Fact]
    public void Unknown_codec_counts_at_the_configured_default()
    {
        var offer = "v=0\nm=audio 4000 RTP/AVP 98 18\na=rtpmap:98 speex/16000\n";
        Offer(offer).TotalKbps.ShouldBe(100);
        new BandwidthEstimator(CodecBandwidthTable.Default, new BandwidthOptions { UnknownCodecKbps = 50 })
            .EstimateOffer(SdpSamples.Bytes(offer)).TotalKbps.ShouldBe(50);
    }

    [Fact]
    public void No_sdp_and_junk_sdp_count_at_the_default_with_the_reason()
    {
        var none = Estimator.EstimateOffer(ReadOnlySpan<byte>.Empty);
        none.Source.ShouldBe(BandwidthSource.NoSdp);
        none.TotalKbps.ShouldBe(100);

        var junk = Estimator.EstimateOffer("not sdp at all"u8);
        junk.Source.ShouldBe(BandwidthSource.UnparsableSdp);
        junk.ParseFailure!.Reason.ShouldBe(SdpRejectReason.MissingVersion);
        junk.TotalKbps.ShouldBe(100);
    }

    [Fact]
    public void Junk_answer_keeps_the_offer_worst_case()
    {
        var settled = Estimator.Settle(SdpSamples.Bytes(SdpSamples.AsteriskOffer), "garbage"u8);
        settled.TotalKbps.ShouldBe(80);
        settled.ParseFailure!.Reason.ShouldBe(SdpRejectReason.MissingVersion);
    }

    [Fact]
    public void Held_streams_keep_their_reservation_by_default_and_release_it_when_configured()
    {
        var held = "v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 0\na=inactive\n";
        Offer(held).TotalKbps.ShouldBe(80);
        var releasing = new BandwidthEstimator(CodecBandwidthTable.Default, new BandwidthOptions { InactiveStreamsReserve = false });
        releasing.EstimateOffer(SdpSamples.Bytes(held)).TotalKbps.ShouldBe(0);
        releasing.Settle(SdpSamples.Bytes(SdpSamples.AsteriskOffer), SdpSamples.Bytes(held)).TotalKbps.ShouldBe(0);
    }

    [Fact]
    public void Bad_options_name_the_setting()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new BandwidthOptions { UnknownCodecKbps = -1 }.Validate())
            .ParamName.ShouldBe("UnknownCodecKbps");
    }
}
