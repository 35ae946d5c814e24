namespace CallControl.Limits;

/// <summary>
/// Turns SDP into kbit/s to reserve: the offer's worst case for admission, the negotiated codecs once answered.
/// Pure and thread-safe; see docs/bandwidth.md.
/// </summary>
/// <remarks>
/// Numbers are IP-level (IP + UDP + RTP headers, no Ethernet/L2 framing) for one direction of the media; a link
/// limit is compared against the larger direction, which for voice is either one. IPv4 headers are 20 bytes,
/// IPv6 40 (from the c= line). Several streams are summed; within a stream only the codec in use counts.
/// </remarks>
public sealed class BandwidthEstimator
{
    public const int UdpRtpHeaderBytes = 8 + 12;
    public const int Ip4HeaderBytes = 20;
    public const int Ip6HeaderBytes = 40;
    public const int SrtpAuthTagBytes = 10;

    public static readonly BandwidthEstimator Default = new(CodecBandwidthTable.Default, BandwidthOptions.Default);

    private readonly CodecBandwidthTable _table;
    private readonly BandwidthOptions _options;

    public BandwidthEstimator(CodecBandwidthTable table, BandwidthOptions options)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        _table = table;
        _options = options.Validate();
    }

    public CodecBandwidthTable Table => _table;
    public BandwidthOptions Options => _options;

    /// <summary>Worst case of an INVITE body. An empty body or unparsable SDP counts as an unknown codec.</summary>
    public MediaBandwidth EstimateOffer(ReadOnlySpan<byte> offerSdp)
    {
        if (offerSdp.IsEmpty)
            return Fallback(BandwidthSource.NoSdp, null);
        var parsed = SdpParser.Parse(offerSdp);
        return parsed.Description is { } offer ? EstimateOffer(offer) : Fallback(BandwidthSource.UnparsableSdp, parsed);
    }

    /// <summary>Worst case: per active stream the most expensive offered codec, summed over streams.</summary>
    public MediaBandwidth EstimateOffer(SessionDescription offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        var streams = new StreamBandwidth[offer.Media.Count];
        int total = 0;
        for (int i = 0; i < streams.Length; i++)
        {
            streams[i] = OfferStream(offer, i);
            total = SaturatingAdd(total, streams[i].Kbps);
        }
        return new MediaBandwidth(total, streams, BandwidthSource.Offer);
    }

    /// <summary>
    /// Settle to what offer and answer bodies negotiated. An unusable answer keeps the offer's worst case;
    /// an unusable offer gives the fallback.
    /// </summary>
    public MediaBandwidth Settle(ReadOnlySpan<byte> offerSdp, ReadOnlySpan<byte> answerSdp)
    {
        if (offerSdp.IsEmpty)
            return Fallback(BandwidthSource.NoSdp, null);
        var offer = SdpParser.Parse(offerSdp);
        if (offer.Description is null)
            return Fallback(BandwidthSource.UnparsableSdp, offer);
        var answer = SdpParser.Parse(answerSdp);
        if (answer.Description is null)
            return EstimateOffer(offer.Description) with { ParseFailure = answer };
        return Settle(offer.Description, answer.Description);
    }

    /// <summary>
    /// Per stream (matched by position), the negotiated codec is the first payload in the answer that was also
    /// offered, skipping telephone-event/CN. When offer and answer differ in ptime or fmtp, the larger rate of the
    /// two directions counts.
    /// </summary>
    public MediaBandwidth Settle(SessionDescription offer, SessionDescription answer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(answer);
        var streams = new StreamBandwidth[offer.Media.Count];
        int total = 0;
        for (int i = 0; i < streams.Length; i++)
        {
            streams[i] = i < answer.Media.Count
                ? AnsweredStream(offer, answer, i)
                : OfferStream(offer, i) with { Basis = StreamBasis.OfferWorstCase };
            total = SaturatingAdd(total, streams[i].Kbps);
        }
        return new MediaBandwidth(total, streams, BandwidthSource.Answer);
    }

    private StreamBandwidth OfferStream(SessionDescription offer, int index)
    {
        var media = offer.Media[index];
        if (media.IsDisabled)
            return new StreamBandwidth(index, media.Media, StreamBasis.Disabled, null, null, 0);
        if (!_options.InactiveStreamsReserve && offer.DirectionOf(media) == MediaDirection.Inactive)
            return new StreamBandwidth(index, media.Media, StreamBasis.Inactive, null, null, 0);
        int overhead = OverheadBytes(offer.ConnectionOf(media), media);
        if (!IsAudioRtp(media))
            return FromBandwidthLines(index, media, null, media.Bandwidth, offer.Bandwidth, overhead);

        // Track the worst candidate in locals; only the winner becomes a StreamBandwidth.
        var worstBasis = StreamBasis.UnknownDefault;
        int worstKbps = -1;
        int? worstPtime = null;
        CodecSpec? worstCodec = null;
        int worstPt = -1;
        foreach (int pt in media.PayloadTypes)
        {
            var rtpMap = media.RtpMapFor(pt);
            var fmtp = media.FmtpFor(pt);
            var codec = _table.Find(pt, rtpMap, fmtp);
            if (codec is null)
            {
                var fallback = FromBandwidthLines(index, media, null, media.Bandwidth, offer.Bandwidth, overhead);
                if (fallback.Kbps > worstKbps || worstBasis == StreamBasis.NotCounted)
                    (worstBasis, worstKbps, worstPtime, worstCodec, worstPt) = (fallback.Basis, fallback.Kbps, null, null, pt);
            }
            else if (!codec.Counted)
            {
                if (worstKbps < 0)
                    (worstBasis, worstKbps, worstPtime, worstCodec, worstPt) = (StreamBasis.NotCounted, 0, null, null, -1);
            }
            else
            {
                int ptime = PtimeOf(media, codec);
                int kbps = codec.KbpsAt(ptime, overhead, BitrateOf(codec, fmtp));
                if (kbps > worstKbps || worstBasis == StreamBasis.NotCounted)
                    (worstBasis, worstKbps, worstPtime, worstCodec, worstPt) = (StreamBasis.CodecTable, kbps, ptime, codec, pt);
            }
        }
        if (worstKbps < 0)
            return new StreamBandwidth(index, media.Media, StreamBasis.UnknownDefault, null, null, _options.UnknownCodecKbps);
        string? label = worstCodec?.Label ?? (worstPt >= 0 ? LabelOf(worstPt, media.RtpMapFor(worstPt)) : null);
        return new StreamBandwidth(index, media.Media, worstBasis, label, worstPtime, worstKbps);
    }

    private StreamBandwidth AnsweredStream(SessionDescription offer, SessionDescription answer, int index)
    {
        var offered = offer.Media[index];
        var answered = answer.Media[index];
        if (offered.IsDisabled || answered.IsDisabled)
            return new StreamBandwidth(index, offered.Media, StreamBasis.Disabled, null, null, 0);
        if (!_options.InactiveStreamsReserve
            && (offer.DirectionOf(offered) == MediaDirection.Inactive || answer.DirectionOf(answered) == MediaDirection.Inactive))
            return new StreamBandwidth(index, offered.Media, StreamBasis.Inactive, null, null, 0);
        int overhead = Math.Max(OverheadBytes(offer.ConnectionOf(offered), offered), OverheadBytes(answer.ConnectionOf(answered), answered));

        if (!IsAudioRtp(offered) || !IsAudioRtp(answered))
        {
            var lines = answered.Bandwidth.IsEmpty ? offered.Bandwidth : answered.Bandwidth;
            var session = answer.Bandwidth.IsEmpty ? offer.Bandwidth : answer.Bandwidth;
            return FromBandwidthLines(index, answered, null, lines, session, overhead);
        }

        foreach (int answerPt in answered.PayloadTypes)
        {
            var answerMap = answered.RtpMapFor(answerPt);
            var answerFmtp = answered.FmtpFor(answerPt);
            var answerCodec = _table.Find(answerPt, answerMap, answerFmtp);
            if (answerCodec is { Counted: false })
                continue;
            if (FindOffered(offered, answerPt, answerMap) is not int offerPt)
                continue;

            var offerMap = offered.RtpMapFor(offerPt);
            var offerFmtp = offered.FmtpFor(offerPt);
            var offerCodec = _table.Find(offerPt, offerMap, offerFmtp);
            if (answerCodec is null || offerCodec is null)
            {
                var lines = answered.Bandwidth.IsEmpty ? offered.Bandwidth : answered.Bandwidth;
                var session = answer.Bandwidth.IsEmpty ? offer.Bandwidth : answer.Bandwidth;
                return FromBandwidthLines(index, answered, LabelOf(answerPt, answerMap ?? offerMap), lines, session, overhead);
            }

            // Each direction may differ (ptime is what the SDP's author wants to receive); count the larger.
            int answerPtime = PtimeOf(answered, answerCodec);
            int offerPtime = PtimeOf(offered, offerCodec);
            int answerKbps = answerCodec.KbpsAt(answerPtime, overhead, BitrateOf(answerCodec, answerFmtp));
            int offerKbps = offerCodec.KbpsAt(offerPtime, overhead, BitrateOf(offerCodec, offerFmtp));
            return answerKbps >= offerKbps
                ? new StreamBandwidth(index, answered.Media, StreamBasis.CodecTable, answerCodec.Label, answerPtime, answerKbps)
                : new StreamBandwidth(index, answered.Media, StreamBasis.CodecTable, offerCodec.Label, offerPtime, offerKbps);
        }
        return OfferStream(offer, index) with { Basis = StreamBasis.OfferWorstCase };
    }

    /// <summary>The offered payload type the answer's one refers to: same number (static or unchanged dynamic),
    /// or, for dynamic types the answerer renumbered, the same encoding name.</summary>
    private static int? FindOffered(SdpMedia offered, int answerPt, SdpRtpMap? answerMap)
    {
        foreach (int pt in offered.PayloadTypes)
        {
            if (pt != answerPt) continue;
            var offerMap = offered.RtpMapFor(pt);
            if (answerMap is null || offerMap is null || string.Equals(answerMap.EncodingName, offerMap.EncodingName, StringComparison.OrdinalIgnoreCase))
                return pt;
        }
        if (answerMap is not null)
            foreach (int pt in offered.PayloadTypes)
                if (offered.RtpMapFor(pt) is { } offerMap && string.Equals(answerMap.EncodingName, offerMap.EncodingName, StringComparison.OrdinalIgnoreCase))
                    return pt;
        return null;
    }

    /// <summary>b=AS is IP-level already; b=TIAS is payload only, so add the headers at maxprate (or an assumed rate).</summary>
    private StreamBandwidth FromBandwidthLines(int index, SdpMedia media, string? codec, SdpBandwidth mediaLines, SdpBandwidth sessionLines, int overhead)
    {
        int? kbps = FromLines(media, mediaLines, overhead) ?? FromLines(media, sessionLines, overhead);
        return kbps is int value
            ? new StreamBandwidth(index, media.Media, StreamBasis.BandwidthLine, codec, null, value)
            : new StreamBandwidth(index, media.Media, StreamBasis.UnknownDefault, codec, null, _options.UnknownCodecKbps);
    }

    private int? FromLines(SdpMedia media, SdpBandwidth lines, int overhead)
    {
        if (lines.AsKbps is int asKbps)
            return asKbps;
        if (lines.TiasBps is long tias)
        {
            double packetsPerSecond = media.MaxPacketRate ?? _options.AssumedPacketsPerSecond;
            double bps = tias + packetsPerSecond * overhead * 8;
            return (int)Math.Min(int.MaxValue, Math.Ceiling(bps / 1000));
        }
        return null;
    }

    private int OverheadBytes(SdpConnection? connection, SdpMedia media)
    {
        int ip = connection?.AddressType == SdpAddressType.Ip6 ? Ip6HeaderBytes : Ip4HeaderBytes;
        int srtp = _options.CountSrtpAuthTag && media.IsSrtp ? SrtpAuthTagBytes : 0;
        return ip + UdpRtpHeaderBytes + srtp;
    }

    /// <summary>a=ptime, else the codec's default; never above a=maxptime.</summary>
    private static int PtimeOf(SdpMedia media, CodecSpec codec)
    {
        int ptime = media.PtimeMs ?? codec.DefaultPtimeMs;
        return media.MaxPtimeMs is int max ? Math.Min(ptime, max) : ptime;
    }

    private static int? BitrateOf(CodecSpec codec, SdpFmtp? fmtp)
    {
        if (codec.BitrateFmtpParameter is null || fmtp?.Parameter(codec.BitrateFmtpParameter) is not { } text)
            return null;
        // RFC 7587: 6000..510000 bit/s; anything else is ignored
        return int.TryParse(text, out int bps) && bps is >= 6000 and <= 510_000 ? bps : null;
    }

    private static bool IsAudioRtp(SdpMedia media) =>
        media.IsRtp && string.Equals(media.Media, "audio", StringComparison.OrdinalIgnoreCase);

    private static string LabelOf(int pt, SdpRtpMap? map) =>
        map is null ? $"pt{pt}" : $"{map.EncodingName}/{map.ClockRate}";

    private MediaBandwidth Fallback(BandwidthSource source, SdpParseResult? failure) =>
        new(_options.UnknownCodecKbps,
            [new StreamBandwidth(0, "audio", StreamBasis.UnknownDefault, null, null, _options.UnknownCodecKbps)],
            source, failure);

    private static int SaturatingAdd(int a, int b) => (int)Math.Min(int.MaxValue, (long)a + b);
}
