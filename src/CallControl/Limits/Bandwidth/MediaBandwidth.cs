namespace CallControl.Limits;

/// <summary>How a stream's kbit/s was arrived at.</summary>
public enum StreamBasis
{
    /// <summary>Port 0 in the offer or the answer.</summary>
    Disabled,
    /// <summary>a=inactive and held streams are not reserved (<see cref="BandwidthOptions.InactiveStreamsReserve"/> false).</summary>
    Inactive,
    /// <summary>From the codec table at the stream's ptime.</summary>
    CodecTable,
    /// <summary>From b=AS or b=TIAS (video, or a codec not in the table).</summary>
    BandwidthLine,
    /// <summary><see cref="BandwidthOptions.UnknownCodecKbps"/>: unknown codec and no bandwidth line.</summary>
    UnknownDefault,
    /// <summary>Only payloads that are not counted (telephone-event, CN).</summary>
    NotCounted,
    /// <summary>The answer did not name a codec that was offered (or lacked the m= line): the offer's worst case stays.</summary>
    OfferWorstCase,
}

/// <summary>One m= line's share.</summary>
/// <param name="Index">Position of the m= line (offer and answer are matched by position, RFC 3264).</param>
/// <param name="Codec">The codec counted: the worst offered one, or the negotiated one after the answer.</param>
public sealed record StreamBandwidth(int Index, string Media, StreamBasis Basis, string? Codec, int? PtimeMs, int Kbps);

/// <summary>Where an estimate came from.</summary>
public enum BandwidthSource
{
    /// <summary>Worst case over the offered codecs.</summary>
    Offer,
    /// <summary>Settled by an answer to the negotiated codecs.</summary>
    Answer,
    /// <summary>No SDP in the INVITE (offer in the 2xx): <see cref="BandwidthOptions.UnknownCodecKbps"/>.</summary>
    NoSdp,
    /// <summary>SDP did not parse: <see cref="BandwidthOptions.UnknownCodecKbps"/>, and <see cref="MediaBandwidth.ParseFailure"/> says why.</summary>
    UnparsableSdp,
}

/// <summary>A call's bandwidth: the total to reserve (kbit/s, IP level, one direction) and each stream's share.</summary>
public sealed record MediaBandwidth(
    int TotalKbps,
    IReadOnlyList<StreamBandwidth> Streams,
    BandwidthSource Source,
    SdpParseResult? ParseFailure = null)
{
    /// <summary>The codec of the first counted stream (what CallAnswered reports as "negotiated codec").</summary>
    public string? PrimaryCodec
    {
        get
        {
            foreach (var stream in Streams)
                if (stream.Codec is not null && stream.Kbps > 0) return stream.Codec;
            return null;
        }
    }

    /// <summary>
    /// What changed from <paramref name="previous"/> (a re-INVITE settled to a new codec or rate), or null when
    /// neither the total nor the codec changed. The call domain turns a non-null value into <c>BandwidthChanged</c>.
    /// </summary>
    public BandwidthChange? ChangeFrom(MediaBandwidth previous)
    {
        ArgumentNullException.ThrowIfNull(previous);
        var (before, after) = (previous.PrimaryCodec, PrimaryCodec);
        if (previous.TotalKbps == TotalKbps && string.Equals(before, after, StringComparison.Ordinal))
            return null;
        return new BandwidthChange(previous.TotalKbps, TotalKbps, before, after);
    }
}

/// <summary>A change of a call's reserved bandwidth, the value behind the <c>BandwidthChanged</c> event.</summary>
public sealed record BandwidthChange(int PreviousKbps, int NewKbps, string? PreviousCodec, string? NewCodec);
