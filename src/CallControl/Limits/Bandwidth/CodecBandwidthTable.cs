namespace CallControl.Limits;

/// <summary>
/// The codecs we know the rate of. Data, not code: docs/bandwidth.md shows the same rows with the arithmetic,
/// and the tests pin every row's number at its default ptime.
/// </summary>
public sealed class CodecBandwidthTable
{
    /// <summary>
    /// Default rows. G.711 and G.722 are sample-based; they are quantized to 10 ms blocks (80 bytes).
    /// Opus is variable-rate: counted at a nominal 32 kbit/s (mono wideband speech, what PBXs typically send)
    /// unless the fmtp carries maxaveragebitrate.
    /// </summary>
    public static readonly CodecBandwidthTable Default = new(
    [
        new CodecSpec("PCMU", 8000, 0, FrameMs: 10, FrameBytes: 80),            // 64 kbit/s
        new CodecSpec("PCMA", 8000, 8, FrameMs: 10, FrameBytes: 80),            // 64 kbit/s
        new CodecSpec("G722", 8000, 9, FrameMs: 10, FrameBytes: 80),            // 64 kbit/s
        new CodecSpec("G729", 8000, 18, FrameMs: 10, FrameBytes: 10),           // 8 kbit/s (Annex B VAD ignored: worst case)
        new CodecSpec("GSM", 8000, 3, FrameMs: 20, FrameBytes: 33),             // 13.2 kbit/s
        new CodecSpec("G723", 8000, 4, FrameMs: 30, FrameBytes: 24, DefaultPtimeMs: 30), // 6.3 kbit/s
        new CodecSpec("G726-32", 8000, null, FrameMs: 10, FrameBytes: 40),      // 32 kbit/s
        new CodecSpec("iLBC", 8000, null, FrameMs: 30, FrameBytes: 50, DefaultPtimeMs: 30), // 13.33 kbit/s, mode 30 is the RFC 3952 default
        new CodecSpec("iLBC", 8000, null, FrameMs: 20, FrameBytes: 38, FmtpVariant: "mode=20"), // 15.2 kbit/s
        new CodecSpec("opus", 48000, null, FrameMs: 20, FrameBytes: 80, BitrateFmtpParameter: "maxaveragebitrate"), // nominal 32 kbit/s
        new CodecSpec("telephone-event", 8000, null, FrameMs: 10, FrameBytes: 0, Counted: false), // RFC 4733: replaces voice packets
        new CodecSpec("CN", 8000, 13, FrameMs: 10, FrameBytes: 0, Counted: false),               // RFC 3389: only during silence
    ]);

    public CodecBandwidthTable(IReadOnlyList<CodecSpec> codecs)
    {
        ArgumentNullException.ThrowIfNull(codecs);
        foreach (var codec in codecs)
        {
            if (codec.FrameMs <= 0 || codec.FrameBytes < 0 || codec.DefaultPtimeMs <= 0)
                throw new ArgumentOutOfRangeException(nameof(codecs), codec, $"Codec table row {codec.Label}: FrameMs and DefaultPtimeMs must be positive, FrameBytes not negative.");
        }
        Codecs = codecs;
    }

    public IReadOnlyList<CodecSpec> Codecs { get; }

    /// <summary>
    /// The row for a payload type: by rtpmap encoding name when there is one (dynamic types, and static types that
    /// are announced), otherwise by static payload type number. Among rows of one name, the row whose
    /// <see cref="CodecSpec.FmtpVariant"/> the fmtp carries wins, else the row without a variant.
    /// </summary>
    public CodecSpec? Find(int payloadType, SdpRtpMap? rtpMap, SdpFmtp? fmtp)
    {
        CodecSpec? plain = null;
        foreach (var codec in Codecs)
        {
            bool nameMatches = rtpMap is not null
                ? string.Equals(codec.EncodingName, rtpMap.EncodingName, StringComparison.OrdinalIgnoreCase)
                : codec.StaticPayloadType == payloadType && payloadType < 96;
            if (!nameMatches)
                continue;
            if (codec.FmtpVariant is null)
                plain ??= codec;
            else if (fmtp is not null && HasVariant(fmtp, codec.FmtpVariant))
                return codec;
        }
        return plain;
    }

    private static bool HasVariant(SdpFmtp fmtp, string variant)
    {
        int eq = variant.IndexOf('=');
        return eq > 0 && string.Equals(fmtp.Parameter(variant[..eq]), variant[(eq + 1)..], StringComparison.OrdinalIgnoreCase);
    }
}
