using System.Buffers.Text;
using System.Text;

namespace CallControl.Limits;

/// <summary>
/// Parses an SDP body (RFC 4566) from bytes. Never throws on input: junk gives a result with a reason.
/// </summary>
/// <remarks>
/// Strict where bandwidth depends on it (v=, c=, b=AS/TIAS, m=), lenient elsewhere: unknown line types and
/// attributes are skipped, and malformed rtpmap/fmtp/ptime attributes are ignored (the stream then counts as an
/// unknown codec, which is the conservative side). Lines may end in CRLF or a bare LF; blank lines are skipped.
/// Size limits are enforced before parsing.
/// </remarks>
public static class SdpParser
{
    public const int MaxBodyBytes = 64 * 1024;
    public const int MaxMediaSections = 32;
    public const int MaxFormatsPerMedia = 128;

    public static SdpParseResult Parse(ReadOnlyMemory<byte> body) => Parse(body.Span);

    public static SdpParseResult Parse(ReadOnlySpan<byte> body)
    {
        if (body.Length > MaxBodyBytes)
            return SdpParseResult.Reject(SdpRejectReason.TooLarge, 0);

        SdpConnection? sessionConnection = null;
        SdpBandwidth sessionBandwidth = default;
        MediaDirection? sessionDirection = null;
        var sessionAttributes = new SessionAttributes();
        var media = new List<SdpMedia>();
        MediaBuilder? current = null;
        bool sawVersion = false;
        int lineNumber = 0;
        var rest = body;

        while (!rest.IsEmpty)
        {
            int newline = rest.IndexOf((byte)'\n');
            var line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? default : rest[(newline + 1)..];
            lineNumber++;
            if (!line.IsEmpty && line[^1] == (byte)'\r')
                line = line[..^1];
            if (line.IsEmpty)
                continue;
            if (line.Length < 2 || line[1] != (byte)'=' || line[0] < (byte)'a' || line[0] > (byte)'z')
                return SdpParseResult.Reject(sawVersion ? SdpRejectReason.MalformedLine : SdpRejectReason.MissingVersion, lineNumber);

            byte type = line[0];
            var value = line[2..];
            if (!sawVersion)
            {
                if (type != (byte)'v')
                    return SdpParseResult.Reject(SdpRejectReason.MissingVersion, lineNumber);
                if (!value.SequenceEqual("0"u8))
                    return SdpParseResult.Reject(SdpRejectReason.UnsupportedVersion, lineNumber);
                sawVersion = true;
                continue;
            }

            switch (type)
            {
                case (byte)'m':
                    if (current is not null)
                        media.Add(current.Build(sessionAttributes));
                    if (media.Count == MaxMediaSections)
                        return SdpParseResult.Reject(SdpRejectReason.TooManyMedia, lineNumber);
                    var reason = MediaBuilder.TryStart(value, out current);
                    if (reason != SdpRejectReason.None)
                        return SdpParseResult.Reject(reason, lineNumber);
                    break;

                case (byte)'c':
                    if (!TryParseConnection(value, out var connection))
                        return SdpParseResult.Reject(SdpRejectReason.MalformedConnection, lineNumber);
                    if (current is null) sessionConnection = connection;
                    else current.Connection = connection;
                    break;

                case (byte)'b':
                    var bandwidth = current?.Bandwidth ?? sessionBandwidth;
                    if (!TryParseBandwidth(value, ref bandwidth))
                        return SdpParseResult.Reject(SdpRejectReason.MalformedBandwidth, lineNumber);
                    if (current is null) sessionBandwidth = bandwidth;
                    else current.Bandwidth = bandwidth;
                    break;

                case (byte)'a':
                    if (TryParseDirection(value, out var direction))
                    {
                        if (current is null) sessionDirection = direction;
                        else current.Direction = direction;
                    }
                    else if (current is not null)
                    {
                        current.AddAttribute(value);
                    }
                    else
                    {
                        sessionAttributes.Add(value); // some stacks put a=ptime at session level
                    }
                    break;

                default:
                    break; // o= s= i= u= e= p= t= r= z= k= and unknown types: not needed for admission
            }
        }

        if (!sawVersion)
            return SdpParseResult.Reject(SdpRejectReason.Empty, lineNumber);
        if (current is not null)
            media.Add(current.Build(sessionAttributes));
        return SdpParseResult.Ok(new SessionDescription(sessionConnection, sessionBandwidth, sessionDirection, media));
    }

    private static bool TryParseConnection(ReadOnlySpan<byte> value, out SdpConnection? connection)
    {
        connection = null;
        if (!NextToken(ref value, out var netType) || !netType.SequenceEqual("IN"u8))
            return false;
        if (!NextToken(ref value, out var addrType) || !NextToken(ref value, out var address) || NextToken(ref value, out _))
            return false;
        SdpAddressType type;
        if (addrType.SequenceEqual("IP4"u8)) type = SdpAddressType.Ip4;
        else if (addrType.SequenceEqual("IP6"u8)) type = SdpAddressType.Ip6;
        else return false;

        int slash = address.IndexOf((byte)'/'); // multicast TTL / count
        if (slash >= 0)
            address = address[..slash];
        if (address.IsEmpty || !IsPrintableAscii(address))
            return false;
        var text = Encoding.ASCII.GetString(address);
        var parsedIp = System.Net.IPAddress.TryParse(address, out var literal) ? literal : null;
        connection = new SdpConnection(type, text, parsedIp);
        if (parsedIp is { } ip)
        {
            bool isV6 = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
            if (isV6 != (type == SdpAddressType.Ip6))
                return false; // "IP4" with an IPv6 literal or the reverse
        }
        else if (type == SdpAddressType.Ip4 && address.IndexOf((byte)':') >= 0)
        {
            return false;
        }
        return true;
    }

    private static bool TryParseBandwidth(ReadOnlySpan<byte> value, ref SdpBandwidth bandwidth)
    {
        int colon = value.IndexOf((byte)':');
        if (colon <= 0)
            return false;
        var modifier = value[..colon];
        var number = value[(colon + 1)..].Trim((byte)' ');
        if (modifier.SequenceEqual("AS"u8))
        {
            if (!TryParseDigits(number, 9, out long kbps)) return false;
            bandwidth = bandwidth with { AsKbps = (int)kbps };
        }
        else if (modifier.SequenceEqual("TIAS"u8))
        {
            if (!TryParseDigits(number, 15, out long bps)) return false;
            bandwidth = bandwidth with { TiasBps = bps };
        }
        // CT, RR, RS, X-...: not used for admission
        return true;
    }

    private static bool TryParseDirection(ReadOnlySpan<byte> value, out MediaDirection direction)
    {
        if (value.SequenceEqual("sendrecv"u8)) { direction = MediaDirection.SendRecv; return true; }
        if (value.SequenceEqual("sendonly"u8)) { direction = MediaDirection.SendOnly; return true; }
        if (value.SequenceEqual("recvonly"u8)) { direction = MediaDirection.RecvOnly; return true; }
        if (value.SequenceEqual("inactive"u8)) { direction = MediaDirection.Inactive; return true; }
        direction = default;
        return false;
    }

    /// <summary>Next token separated by spaces or tabs (RFC 4566 says one space; peers send more).</summary>
    internal static bool NextToken(ref ReadOnlySpan<byte> input, out ReadOnlySpan<byte> token)
    {
        int start = 0;
        while (start < input.Length && (input[start] == (byte)' ' || input[start] == (byte)'\t'))
            start++;
        int end = start;
        while (end < input.Length && input[end] != (byte)' ' && input[end] != (byte)'\t')
            end++;
        token = input[start..end];
        input = input[end..];
        return !token.IsEmpty;
    }

    /// <summary>Unsigned decimal with at most <paramref name="maxDigits"/> digits.</summary>
    internal static bool TryParseDigits(ReadOnlySpan<byte> digits, int maxDigits, out long value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > maxDigits)
            return false;
        foreach (byte b in digits)
        {
            if (b < (byte)'0' || b > (byte)'9') return false;
            value = value * 10 + (b - '0');
        }
        return true;
    }

    internal static bool IsPrintableAscii(ReadOnlySpan<byte> text)
    {
        foreach (byte b in text)
            if (b <= 0x20 || b >= 0x7f) return false;
        return true;
    }

    /// <summary>Session-level attributes that serve as defaults for every m= section.</summary>
    private sealed class SessionAttributes
    {
        public int? Ptime { get; private set; }
        public int? MaxPtime { get; private set; }

        public void Add(ReadOnlySpan<byte> value)
        {
            if (value.StartsWith("ptime:"u8)) Ptime = MediaBuilder.ParseMilliseconds(value["ptime:"u8.Length..]) ?? Ptime;
            else if (value.StartsWith("maxptime:"u8)) MaxPtime = MediaBuilder.ParseMilliseconds(value["maxptime:"u8.Length..]) ?? MaxPtime;
        }
    }

    /// <summary>Collects one m= section while its lines are read.</summary>
    private sealed class MediaBuilder
    {
        private readonly string _media;
        private readonly int _port;
        private readonly int _portCount;
        private readonly string _protocol;
        private readonly List<string> _formats;
        private readonly List<int> _payloadTypes;
        private readonly List<SdpRtpMap> _rtpMaps = [];
        private readonly List<SdpFmtp> _fmtps = [];
        private int? _ptime;
        private int? _maxPtime;
        private double? _maxPacketRate;

        private MediaBuilder(string media, int port, int portCount, string protocol, List<string> formats, List<int> payloadTypes)
        {
            _payloadTypes = payloadTypes;
            _media = media;
            _port = port;
            _portCount = portCount;
            _protocol = protocol;
            _formats = formats;
        }

        public SdpConnection? Connection { get; set; }
        public SdpBandwidth Bandwidth { get; set; }
        public MediaDirection? Direction { get; set; }

        public static SdpRejectReason TryStart(ReadOnlySpan<byte> value, out MediaBuilder? builder)
        {
            builder = null;
            if (!NextToken(ref value, out var media) || !NextToken(ref value, out var portField) || !NextToken(ref value, out var proto))
                return SdpRejectReason.MalformedMedia;
            if (!IsPrintableAscii(media) || !IsPrintableAscii(proto))
                return SdpRejectReason.MalformedMedia;

            int portCount = 1;
            int slash = portField.IndexOf((byte)'/');
            if (slash >= 0)
            {
                if (!TryParseDigits(portField[(slash + 1)..], 5, out long count) || count < 1 || count > 65535)
                    return SdpRejectReason.MalformedMedia;
                portCount = (int)count;
                portField = portField[..slash];
            }
            if (!TryParseDigits(portField, 5, out long port) || port > 65535)
                return SdpRejectReason.MalformedMedia;

            var protocol = Intern(proto, KnownProtocols);
            bool isRtp = protocol.Contains("RTP/", StringComparison.OrdinalIgnoreCase);
            var formats = new List<string>(4);
            var payloadTypes = new List<int>(isRtp ? 4 : 0);
            while (NextToken(ref value, out var format))
            {
                if (formats.Count == MaxFormatsPerMedia)
                    return SdpRejectReason.TooManyFormats;
                if (!IsPrintableAscii(format))
                    return SdpRejectReason.MalformedMedia;
                if (isRtp)
                {
                    if (!TryParseDigits(format, 3, out long pt) || pt > 127)
                        return SdpRejectReason.MalformedMedia;
                    payloadTypes.Add((int)pt);
                    formats.Add(PayloadTypeTexts[pt]); // canonical text: "08" and "8" are the same type
                }
                else
                {
                    formats.Add(Encoding.ASCII.GetString(format));
                }
            }
            if (formats.Count == 0)
                return SdpRejectReason.MalformedMedia; // RFC 4566: at least one format

            builder = new MediaBuilder(Intern(media, KnownMedia), (int)port, portCount, protocol, formats, payloadTypes);
            return SdpRejectReason.None;
        }

        public void AddAttribute(ReadOnlySpan<byte> value)
        {
            if (value.StartsWith("rtpmap:"u8)) AddRtpMap(value["rtpmap:"u8.Length..]);
            else if (value.StartsWith("fmtp:"u8)) AddFmtp(value["fmtp:"u8.Length..]);
            else if (value.StartsWith("ptime:"u8)) _ptime = ParseMilliseconds(value["ptime:"u8.Length..]) ?? _ptime;
            else if (value.StartsWith("maxptime:"u8)) _maxPtime = ParseMilliseconds(value["maxptime:"u8.Length..]) ?? _maxPtime;
            else if (value.StartsWith("maxprate:"u8)
                     && Utf8Parser.TryParse(value["maxprate:"u8.Length..], out double rate, out int used)
                     && used == value.Length - "maxprate:"u8.Length && rate > 0 && rate <= 10_000)
                _maxPacketRate = rate;
        }

        public SdpMedia Build(SessionAttributes session) => new(
            _media, _port, _portCount, _protocol, _formats, _payloadTypes, _rtpMaps, _fmtps,
            _ptime ?? session.Ptime, _maxPtime ?? session.MaxPtime, _maxPacketRate, Bandwidth, Direction, Connection);

        private void AddRtpMap(ReadOnlySpan<byte> value)
        {
            // <pt> <encoding name>/<clock rate>[/<channels>]
            if (!NextToken(ref value, out var ptText) || !TryParseDigits(ptText, 3, out long pt) || pt > 127)
                return;
            if (!NextToken(ref value, out var encoding) || NextToken(ref value, out _) || !IsPrintableAscii(encoding))
                return;
            int slash = encoding.IndexOf((byte)'/');
            if (slash <= 0)
                return;
            var name = encoding[..slash];
            var clockAndChannels = encoding[(slash + 1)..];
            int? channels = null;
            int slash2 = clockAndChannels.IndexOf((byte)'/');
            if (slash2 >= 0)
            {
                if (!TryParseDigits(clockAndChannels[(slash2 + 1)..], 3, out long ch) || ch == 0)
                    return;
                channels = (int)ch;
                clockAndChannels = clockAndChannels[..slash2];
            }
            if (!TryParseDigits(clockAndChannels, 7, out long clock) || clock == 0)
                return;
            if (_rtpMaps.Count < MaxFormatsPerMedia)
                _rtpMaps.Add(new SdpRtpMap((int)pt, Intern(name, KnownEncodings), (int)clock, channels));
        }

        private void AddFmtp(ReadOnlySpan<byte> value)
        {
            if (!NextToken(ref value, out var ptText) || !TryParseDigits(ptText, 3, out long pt) || pt > 127)
                return;
            var parameters = value.Trim((byte)' ');
            if (_fmtps.Count < MaxFormatsPerMedia)
                _fmtps.Add(new SdpFmtp((int)pt, Encoding.UTF8.GetString(parameters)));
        }

        /// <summary>Whole milliseconds; a fraction ("20.5") is dropped, which errs toward more packets.</summary>
        internal static int? ParseMilliseconds(ReadOnlySpan<byte> value)
        {
            int dot = value.IndexOf((byte)'.');
            var whole = dot >= 0 ? value[..dot] : value;
            if (!TryParseDigits(whole, 4, out long ms) || ms == 0)
                return null;
            return (int)ms;
        }

        private static readonly string[] KnownMedia = ["audio", "video", "image", "application", "text", "message"];
        private static readonly string[] KnownEncodings =
            ["PCMU", "PCMA", "G722", "G729", "GSM", "G723", "iLBC", "opus", "telephone-event", "CN", "H264", "VP8", "G726-32", "speex"];
        private static readonly string[] KnownProtocols = ["RTP/AVP", "RTP/SAVP", "RTP/AVPF", "RTP/SAVPF", "UDP/TLS/RTP/SAVPF", "udptl", "TCP/MSRP"];
        private static readonly string[] PayloadTypeTexts = Enumerable.Range(0, 128).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        private static string Intern(ReadOnlySpan<byte> token, string[] known)
        {
            foreach (var candidate in known)
                if (Ascii.Equals(token, candidate)) return candidate;
            return Encoding.ASCII.GetString(token);
        }
    }
}
