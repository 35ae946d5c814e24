namespace CallControl.Limits;

/// <summary>Settings of the bandwidth estimate. See docs/bandwidth.md.</summary>
public sealed record BandwidthOptions
{
    public static readonly BandwidthOptions Default = new();

    /// <summary>kbit/s for a stream whose codec is not in the table and that has no b=AS/TIAS line; also
    /// for an INVITE without SDP (offer comes later) and for SDP that does not parse.</summary>
    public int UnknownCodecKbps { get; init; } = 100;

    /// <summary>A held stream (a=inactive) keeps its reservation, so taking it off hold cannot overrun the link.
    /// Set false to count held streams as 0 kbit/s.</summary>
    public bool InactiveStreamsReserve { get; init; } = true;

    /// <summary>Count the 10-byte SRTP authentication tag (HMAC-SHA1-80) on RTP/SAVP(F) streams.</summary>
    public bool CountSrtpAuthTag { get; init; } = true;

    /// <summary>Packet rate assumed for b=TIAS when no a=maxprate is given.</summary>
    public int AssumedPacketsPerSecond { get; init; } = 50;

    public BandwidthOptions Validate()
    {
        if (UnknownCodecKbps is < 0 or > 1_000_000)
            throw new ArgumentOutOfRangeException(nameof(UnknownCodecKbps), UnknownCodecKbps, "Limits:Bandwidth:UnknownCodecKbps must be between 0 and 1000000.");
        if (AssumedPacketsPerSecond is < 1 or > 10_000)
            throw new ArgumentOutOfRangeException(nameof(AssumedPacketsPerSecond), AssumedPacketsPerSecond, "Limits:Bandwidth:AssumedPacketsPerSecond must be between 1 and 10000.");
        return this;
    }
}
