namespace CallControl.Limits;

/// <summary>
/// One row of the codec bandwidth table: how many payload bytes the codec produces per frame, so the IP-level
/// rate can be computed for any packetization time. See docs/bandwidth.md for the arithmetic.
/// </summary>
/// <param name="EncodingName">As in <c>a=rtpmap</c> (matched case-insensitively).</param>
/// <param name="ClockRate">RTP clock rate as written in rtpmap (for display; G.722 says 8000 per RFC 3551).</param>
/// <param name="StaticPayloadType">RFC 3551 static payload type, or null for dynamic codecs.</param>
/// <param name="FrameMs">Smallest unit of audio the codec puts in a packet.</param>
/// <param name="FrameBytes">Payload bytes per frame.</param>
/// <param name="DefaultPtimeMs">Packetization time when the SDP has no a=ptime.</param>
/// <param name="FmtpVariant">This row applies when the fmtp has this <c>name=value</c> (e.g. iLBC <c>mode=20</c>).</param>
/// <param name="BitrateFmtpParameter">fmtp parameter that overrides the nominal bit rate in bit/s (Opus <c>maxaveragebitrate</c>).</param>
/// <param name="Counted">False for payloads that share a stream with the voice and never add to it (telephone-event, CN).</param>
public sealed record CodecSpec(
    string EncodingName,
    int ClockRate,
    int? StaticPayloadType,
    int FrameMs,
    int FrameBytes,
    int DefaultPtimeMs = 20,
    string? FmtpVariant = null,
    string? BitrateFmtpParameter = null,
    bool Counted = true)
{
    /// <summary>Nominal payload bit rate: FrameBytes * 8 / FrameMs kbit/s.</summary>
    public int PayloadBitsPerSecond => FrameMs == 0 ? 0 : FrameBytes * 8 * 1000 / FrameMs;

    public string Label => FmtpVariant is null ? $"{EncodingName}/{ClockRate}" : $"{EncodingName}/{ClockRate};{FmtpVariant}";

    /// <summary>
    /// kbit/s at IP level for one direction of the stream, rounded up:
    /// packet = floor(ptime / frame) frames (at least one); kbit/s = (payload + overhead) bytes * 8 / packet ms.
    /// Rounding the frame count down errs toward more packets per second, i.e. more overhead.
    /// </summary>
    public int KbpsAt(int ptimeMs, int overheadBytesPerPacket, int? bitrateOverride = null)
    {
        if (!Counted)
            return 0;
        int frames = Math.Max(1, ptimeMs / FrameMs);
        int packetMs = frames * FrameMs;
        long frameBytes = bitrateOverride is int bps ? CeilDiv((long)bps * FrameMs, 8000) : FrameBytes;
        long packetBits = (frames * frameBytes + overheadBytesPerPacket) * 8;
        return (int)CeilDiv(packetBits, packetMs); // bits per ms == kbit/s
    }

    private static long CeilDiv(long a, long b) => (a + b - 1) / b;
}
