using System.Net;

namespace CallControl.Limits;

public enum SdpAddressType { Ip4, Ip6 }

/// <summary>A <c>c=IN IP4|IP6 address[/ttl][/n]</c> line.</summary>
/// <param name="Address">As written, without a multicast /ttl suffix; may be a host name (RFC 4566 allows it).</param>
/// <param name="Ip">The address as an IP, or null when it is a host name.</param>
public sealed record SdpConnection(SdpAddressType AddressType, string Address, IPAddress? Ip)
{

    /// <summary>RFC 2543 style hold: <c>c=IN IP4 0.0.0.0</c>.</summary>
    public bool IsUnspecified => Ip is { } ip && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any));
}

/// <summary>Bandwidth lines of a session or a media description.</summary>
/// <param name="AsKbps"><c>b=AS:</c> in kbit/s; includes IP/UDP/RTP overhead (RFC 3550 §6.2 session bandwidth).</param>
/// <param name="TiasBps"><c>b=TIAS:</c> in bit/s; excludes transport overhead (RFC 3890).</param>
public readonly record struct SdpBandwidth(int? AsKbps, long? TiasBps)
{
    public bool IsEmpty => AsKbps is null && TiasBps is null;
}

public enum MediaDirection { SendRecv, SendOnly, RecvOnly, Inactive }

/// <summary><c>a=rtpmap:&lt;pt&gt; &lt;name&gt;/&lt;clock&gt;[/&lt;channels&gt;]</c>.</summary>
public sealed record SdpRtpMap(int PayloadType, string EncodingName, int ClockRate, int? Channels);

/// <summary><c>a=fmtp:&lt;pt&gt; &lt;parameters&gt;</c>, parameters as written.</summary>
public sealed record SdpFmtp(int PayloadType, string Parameters)
{
    /// <summary>Value of <c>name=value</c> in a <c>;</c>-separated parameter list, or null.</summary>
    public string? Parameter(string name)
    {
        foreach (var part in Parameters.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            if (eq > 0 && part.AsSpan(0, eq).Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
                return part[(eq + 1)..].Trim();
        }
        return null;
    }
}

/// <summary>One <c>m=</c> section.</summary>
/// <param name="Media">audio, video, image, application, text ...</param>
/// <param name="Port">0 means the stream is disabled (RFC 3264 §6).</param>
/// <param name="Formats">Format tokens of the m= line as written.</param>
/// <param name="PayloadTypes">For RTP profiles the formats as payload type numbers, in preference order; empty otherwise.</param>
/// <param name="Direction">Direction attribute at media level, null when not given.</param>
/// <param name="Connection">Media-level c= line, null when not given.</param>
public sealed record SdpMedia(
    string Media,
    int Port,
    int PortCount,
    string Protocol,
    IReadOnlyList<string> Formats,
    IReadOnlyList<int> PayloadTypes,
    IReadOnlyList<SdpRtpMap> RtpMaps,
    IReadOnlyList<SdpFmtp> Fmtps,
    int? PtimeMs,
    int? MaxPtimeMs,
    double? MaxPacketRate,
    SdpBandwidth Bandwidth,
    MediaDirection? Direction,
    SdpConnection? Connection)
{
    public bool IsDisabled => Port == 0;

    /// <summary>RTP/AVP, RTP/SAVP, RTP/AVPF, RTP/SAVPF, UDP/TLS/RTP/SAVPF ...</summary>
    public bool IsRtp => Protocol.Contains("RTP/", StringComparison.OrdinalIgnoreCase);

    /// <summary>SRTP profiles carry an authentication tag on every packet.</summary>
    public bool IsSrtp => Protocol.Contains("SAVP", StringComparison.OrdinalIgnoreCase);

    public SdpRtpMap? RtpMapFor(int payloadType)
    {
        foreach (var map in RtpMaps)
            if (map.PayloadType == payloadType) return map;
        return null;
    }

    public SdpFmtp? FmtpFor(int payloadType)
    {
        foreach (var fmtp in Fmtps)
            if (fmtp.PayloadType == payloadType) return fmtp;
        return null;
    }
}

/// <summary>A parsed SDP body (RFC 4566), reduced to what admission and bandwidth need.</summary>
public sealed record SessionDescription(
    SdpConnection? Connection,
    SdpBandwidth Bandwidth,
    MediaDirection? Direction,
    IReadOnlyList<SdpMedia> Media)
{
    /// <summary>Media-level direction, else session-level, else sendrecv (RFC 3264 §5.1).</summary>
    public MediaDirection DirectionOf(SdpMedia media) => media.Direction ?? Direction ?? MediaDirection.SendRecv;

    /// <summary>Media-level c= line, else the session-level one.</summary>
    public SdpConnection? ConnectionOf(SdpMedia media) => media.Connection ?? Connection;
}
