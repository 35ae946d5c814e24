using System.Buffers;
using System.Buffers.Text;

namespace CallControl.Sip.Message;

/// <summary>
/// Frames and indexes SIP messages (RFC 3261 §7, §18.3) from a datagram or a stream buffer. Limits are checked while
/// scanning, before any header is interpreted. Parsing only records ranges; typed values are read lazily by
/// <see cref="SipMessage"/>.
/// </summary>
public static class SipParser
{
    private const byte CR = (byte)'\r';
    private const byte LF = (byte)'\n';

    /// <summary>Finds the extent of the first message in <paramref name="buffer"/> without building it. CRLFs before
    /// the start line (keep-alives, RFC 3261 §7.5) are skipped and counted in the complete length.</summary>
    public static SipFrameResult Frame(ReadOnlySpan<byte> buffer, bool isStream, SipParserOptions options)
        => Scan(buffer, isStream, options, out _, out _, out _);

    /// <summary>Number of CR/LF octets at the start of <paramref name="buffer"/>: keep-alives (RFC 5626 §3.5.1) a
    /// stream transport consumes (and answers) before waiting for the next message.</summary>
    public static int KeepAliveLength(ReadOnlySpan<byte> buffer)
    {
        var i = buffer.IndexOfAnyExcept(CR, LF);
        return i < 0 ? buffer.Length : i;
    }

    /// <summary>True when the first message in <paramref name="buffer"/> starts with a status line: a rejected
    /// response is dropped silently, never answered (RFC 3261 §16.7, RFC 4475 §3.1.2.5, §3.1.2.19).</summary>
    public static bool IsResponse(ReadOnlySpan<byte> buffer)
    {
        var start = buffer[KeepAliveLength(buffer)..];
        return start.Length >= 4 && System.Text.Ascii.EqualsIgnoreCase(start[..4], "SIP/"u8);
    }

    /// <summary>Frames and indexes one message. On <see cref="SipFrameStatus.Complete"/> the message references
    /// <paramref name="buffer"/> (do not reuse it afterwards); extra bytes of a datagram after the body are ignored.</summary>
    public static SipFrameResult Parse(ReadOnlyMemory<byte> buffer, bool isStream, SipParserOptions options, out SipMessage? message)
    {
        message = null;
        var span = buffer.Span;
        var frame = Scan(span, isStream, options, out var skip, out var headEnd, out var headerLines);
        if (frame.Status != SipFrameStatus.Complete)
        {
            return frame;
        }

        var error = Index(buffer[skip..frame.Length], headEnd - skip, headerLines, out message);
        return error == SipParseError.None ? frame : SipFrameResult.Reject(error);
    }

    private static SipFrameResult Scan(ReadOnlySpan<byte> buffer, bool isStream, SipParserOptions options, out int skip, out int headEnd, out int headerLines)
    {
        headEnd = 0;
        headerLines = 0;
        var limit = Math.Min(buffer.Length, options.MaxMessageSize);
        skip = KeepAliveLength(buffer[..limit]);
        var pos = skip;
        var first = true;
        var contentLength = -1;
        var contentLengthStart = -1; // value start of a Content-Length line, parsed once its continuation lines are known
        var previousLineEnd = 0;
        while (true)
        {
            var rel = buffer[pos..limit].IndexOf(LF);
            if (rel < 0)
            {
                if (limit - pos > options.MaxLineLength)
                {
                    return SipFrameResult.Reject(SipParseError.LineTooLong);
                }

                if (buffer.Length >= options.MaxMessageSize)
                {
                    return SipFrameResult.Reject(SipParseError.MessageTooLarge);
                }

                return isStream ? SipFrameResult.NeedMoreData : SipFrameResult.Reject(SipParseError.IncompleteHeaders);
            }

            var lf = pos + rel;
            var lineEnd = lf > pos && buffer[lf - 1] == CR ? lf - 1 : lf;
            var lineLength = lineEnd - pos;
            if (lineLength > options.MaxLineLength)
            {
                return SipFrameResult.Reject(SipParseError.LineTooLong);
            }

            var continuation = !first && buffer[pos] is (byte)' ' or (byte)'\t';
            if (contentLengthStart >= 0 && !continuation)
            {
                // The Content-Length value may be folded onto continuation lines (RFC 3261 §7.3.1).
                var error = ReadContentLength(buffer[contentLengthStart..previousLineEnd], ref contentLength);
                if (error != SipParseError.None)
                {
                    return SipFrameResult.Reject(error);
                }

                contentLengthStart = -1;
            }

            if (lineLength == 0)
            {
                if (first)
                {
                    return SipFrameResult.Reject(SipParseError.BadStartLine);
                }

                headEnd = lf + 1;
                break;
            }

            if (first)
            {
                first = false;
            }
            else if (!continuation)
            {
                if (++headerLines > options.MaxHeaderCount)
                {
                    return SipFrameResult.Reject(SipParseError.TooManyHeaders);
                }

                var line = buffer[pos..lineEnd];
                var colon = line.IndexOf((byte)':');
                var name = colon > 0 ? TrimEnd(line[..colon]) : default;
                if (name.Length is 1 or 14 && SipHeaderNames.Identify(name) == SipHeaderId.ContentLength) // "l" / "Content-Length"
                {
                    contentLengthStart = pos + colon + 1;
                }
            }

            previousLineEnd = lineEnd;
            pos = lf + 1;
        }

        if (contentLength < 0)
        {
            // RFC 3261 §18.3: over a stream Content-Length is mandatory; a datagram's body is the rest of the datagram.
            return isStream ? SipFrameResult.Reject(SipParseError.MissingContentLength) : SipFrameResult.Complete(buffer.Length);
        }

        var total = (long)headEnd + contentLength;
        if (total > options.MaxMessageSize)
        {
            return SipFrameResult.Reject(SipParseError.MessageTooLarge);
        }

        if (buffer.Length < total)
        {
            return isStream ? SipFrameResult.NeedMoreData : SipFrameResult.Reject(SipParseError.BodyTruncated);
        }

        return SipFrameResult.Complete((int)total);
    }

    private static SipParseError ReadContentLength(ReadOnlySpan<byte> value, ref int contentLength)
    {
        value = Trim(value);
        if (value.IsEmpty || !AllDigits(value))
        {
            return SipParseError.BadContentLength; // negative, non-numeric or folded inside the number
        }

        if (!TryParseNumber(value, int.MaxValue, out var parsed))
        {
            return SipParseError.MessageTooLarge;
        }

        if (contentLength >= 0 && contentLength != parsed)
        {
            return SipParseError.BadContentLength;
        }

        contentLength = (int)parsed;
        return SipParseError.None;
    }

    /// <summary>Decimal digits with any number of leading zeros (RFC 4475 §3.1.1.1), up to <paramref name="max"/>;
    /// false on overflow, never an exception.</summary>
    private static bool TryParseNumber(ReadOnlySpan<byte> digits, long max, out long value)
    {
        value = 0;
        var significant = digits.IndexOfAnyExcept((byte)'0');
        if (significant < 0)
        {
            return !digits.IsEmpty;
        }

        digits = digits[significant..];
        return digits.Length <= 18 && Utf8Parser.TryParse(digits, out value, out var used) && used == digits.Length && value <= max;
    }

    private static SipParseError Index(ReadOnlyMemory<byte> memory, int headEnd, int headerLines, out SipMessage? message)
    {
        message = null;
        var buffer = memory.Span;
        var firstLf = buffer.IndexOf(LF);
        var startLineEnd = firstLf > 0 && buffer[firstLf - 1] == CR ? firstLf - 1 : firstLf;
        var startLine = buffer[..startLineEnd];

        var start = new SipStartLine();
        var error = startLine.StartsWith("SIP/"u8) ? ParseStatusLine(startLine, ref start) : ParseRequestLine(startLine, ref start);
        if (error != SipParseError.None)
        {
            return error;
        }

        if (!NulOnlyAsQuotedPair(buffer[firstLf..headEnd]))
        {
            return SipParseError.BadHeaderLine;
        }

        var entries = new SipHeaderEntry[headerLines];
        var count = 0;
        var seen = 0;
        var pos = firstLf + 1;
        var bodyStart = headEnd;
        while (pos < headEnd)
        {
            var lf = pos + buffer[pos..headEnd].IndexOf(LF);
            var lineEnd = lf > pos && buffer[lf - 1] == CR ? lf - 1 : lf;
            if (lineEnd == pos)
            {
                break; // the empty line ending the header section
            }

            // Extend over continuation lines (folding, RFC 3261 §7.3.1).
            var valueEndLine = lineEnd;
            var next = lf + 1;
            var folded = false;
            while (next < headEnd && buffer[next] is (byte)' ' or (byte)'\t')
            {
                folded = true;
                var nlf = next + buffer[next..headEnd].IndexOf(LF);
                valueEndLine = nlf > next && buffer[nlf - 1] == CR ? nlf - 1 : nlf;
                next = nlf + 1;
            }

            var line = buffer[pos..valueEndLine];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                return SipParseError.BadHeaderLine;
            }

            var nameLength = TrimEnd(line[..colon]).Length;
            if (nameLength == 0 || !AllToken(line[..nameLength]))
            {
                return SipParseError.BadHeaderLine;
            }

            var valueStart = colon + 1;
            while (valueStart < line.Length && IsWhite(line[valueStart]))
            {
                valueStart++;
            }

            var valueEnd = line.Length;
            while (valueEnd > valueStart && IsWhite(line[valueEnd - 1]))
            {
                valueEnd--;
            }

            var id = SipHeaderNames.Identify(line[..nameLength]);
            if ((seen & Singletons & (1 << (int)id)) != 0)
            {
                return SipParseError.DuplicateHeader; // RFC 4475 §3.3.8: one value only, 400
            }

            seen |= 1 << (int)id;
            entries[count++] = new SipHeaderEntry(id, pos, valueEndLine - pos, pos, nameLength, pos + valueStart, valueEnd - valueStart, folded);
            pos = next;
        }

        const int required = (1 << (int)SipHeaderId.Via) | (1 << (int)SipHeaderId.From) | (1 << (int)SipHeaderId.To) |
                             (1 << (int)SipHeaderId.CallId) | (1 << (int)SipHeaderId.CSeq);
        if ((seen & required) != required)
        {
            return SipParseError.MissingRequiredHeader;
        }

        var cseqNumber = 0L;
        var cseqMethod = SipMethod.Unknown;
        var maxForwards = -1;
        var callIdEmpty = false;
        for (var i = 0; i < count; i++)
        {
            ref readonly var e = ref entries[i];
            var value = buffer.Slice(e.ValueStart, e.ValueLength);
            switch (e.Id)
            {
                case SipHeaderId.CSeq:
                    // LWS between number and method may be folded (CRLF SP); the number may have leading zeros.
                    var sp = value.IndexOfAnyExceptInRange((byte)'0', (byte)'9');
                    if (sp <= 0 || !IsWhite(value[sp]) || !TryParseNumber(value[..sp], uint.MaxValue, out cseqNumber))
                    {
                        return SipParseError.BadCSeq;
                    }

                    var methodToken = Trim(value[sp..]);
                    if (methodToken.IsEmpty || !AllToken(methodToken))
                    {
                        return SipParseError.BadCSeq;
                    }

                    cseqMethod = SipMethods.Parse(methodToken);
                    if (start.IsRequest && !methodToken.SequenceEqual(buffer.Slice(start.MethodStart, start.MethodLength)))
                    {
                        // RFC 4475 §3.1.2.18: for a method we do not know, 501 is the preferred answer.
                        return start.Method == SipMethod.Unknown ? SipParseError.UnknownMethodCSeqMismatch : SipParseError.CSeqMethodMismatch;
                    }

                    break;
                case SipHeaderId.MaxForwards:
                    if (!AllDigits(value) || !TryParseNumber(value, 255, out var hops))
                    {
                        return SipParseError.BadMaxForwards;
                    }

                    maxForwards = (int)hops;
                    break;
                case SipHeaderId.CallId:
                    callIdEmpty |= value.IsEmpty;
                    break;
            }
        }

        if (callIdEmpty)
        {
            return SipParseError.MissingRequiredHeader;
        }

        message = new SipMessage(memory, start, entries, count, bodyStart, (uint)cseqNumber, cseqMethod, maxForwards);
        return SipParseError.None;
    }

    /// <summary>Headers that may appear once only (RFC 3261 §7.3.1 lists them as single-valued).</summary>
    private const int Singletons = (1 << (int)SipHeaderId.From) | (1 << (int)SipHeaderId.To) | (1 << (int)SipHeaderId.CallId) |
                                   (1 << (int)SipHeaderId.CSeq) | (1 << (int)SipHeaderId.MaxForwards);

    private static SipParseError ParseRequestLine(ReadOnlySpan<byte> line, ref SipStartLine start)
    {
        var sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0)
        {
            return SipParseError.BadStartLine;
        }

        if (!AllToken(line[..sp1]))
        {
            return SipParseError.BadMethod;
        }

        var rest = line[(sp1 + 1)..];
        var sp2 = rest.IndexOf((byte)' ');
        if (sp2 <= 0)
        {
            return SipParseError.BadStartLine;
        }

        var uri = rest[..sp2];
        if (uri.IndexOf((byte)':') <= 0 || uri.IndexOfAny((byte)'<', (byte)'>') >= 0 || uri.IndexOfAnyInRange((byte)0, (byte)' ') >= 0 || uri.Contains((byte)0x7F))
        {
            return SipParseError.BadRequestUri;
        }

        var version = rest[(sp2 + 1)..];
        if (version.IndexOfAny((byte)' ', (byte)'\t') >= 0)
        {
            return SipParseError.BadStartLine; // trailing or extra SP is malformed (400), not another version (RFC 4475 §3.1.2.10)
        }

        if (!System.Text.Ascii.EqualsIgnoreCase(version, "SIP/2.0"u8))
        {
            return version.Length > 4 && System.Text.Ascii.EqualsIgnoreCase(version[..4], "SIP/"u8) && version.IndexOfAny((byte)' ', (byte)'\t') < 0
                ? SipParseError.VersionNotSupported
                : SipParseError.BadStartLine;
        }

        start.IsRequest = true;
        start.Method = SipMethods.Parse(line[..sp1]);
        start.MethodStart = 0;
        start.MethodLength = sp1;
        start.UriStart = sp1 + 1;
        start.UriLength = sp2;
        return SipParseError.None;
    }

    private static SipParseError ParseStatusLine(ReadOnlySpan<byte> line, ref SipStartLine start)
    {
        if (!line.StartsWith("SIP/2.0 "u8))
        {
            return line.StartsWith("SIP/2.0"u8) ? SipParseError.BadStartLine : SipParseError.VersionNotSupported;
        }

        var rest = line[8..];
        if (rest.Length < 3 || !AllDigits(rest[..3]) || (rest.Length > 3 && rest[3] != (byte)' '))
        {
            return SipParseError.BadStatusCode;
        }

        var code = ((rest[0] - '0') * 100) + ((rest[1] - '0') * 10) + (rest[2] - '0');
        if (code is < 100 or > 699)
        {
            return SipParseError.BadStatusCode;
        }

        start.IsRequest = false;
        start.StatusCode = code;
        start.ReasonStart = rest.Length > 3 ? 12 : 11;
        start.ReasonLength = rest.Length > 3 ? rest.Length - 4 : 0;
        return SipParseError.None;
    }

    /// <summary>A raw NUL is legal in a header only as a quoted-pair ("\\" NUL, RFC 4475 §3.1.1.2); anywhere else it is
    /// malformed, and it would reach C-string consumers and PostgreSQL text columns downstream.</summary>
    private static bool NulOnlyAsQuotedPair(ReadOnlySpan<byte> headers)
    {
        for (var i = headers.IndexOf((byte)0); i >= 0; i = headers.IndexOf((byte)0))
        {
            if (i == 0 || headers[i - 1] != (byte)'\\')
            {
                return false;
            }

            headers = headers[(i + 1)..];
        }

        return true;
    }

    internal static bool IsWhite(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    internal static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s) => TrimEnd(TrimStart(s));

    private static ReadOnlySpan<byte> TrimStart(ReadOnlySpan<byte> s)
    {
        var i = 0;
        while (i < s.Length && IsWhite(s[i]))
        {
            i++;
        }

        return s[i..];
    }

    private static ReadOnlySpan<byte> TrimEnd(ReadOnlySpan<byte> s)
    {
        var n = s.Length;
        while (n > 0 && IsWhite(s[n - 1]))
        {
            n--;
        }

        return s[..n];
    }

    private static bool AllDigits(ReadOnlySpan<byte> s) => s.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0;

    // Vectorised token check (RFC 3261 §25.1): header names and methods are checked on every message.
    private static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~"u8);

    private static bool AllToken(ReadOnlySpan<byte> s) => s.IndexOfAnyExcept(TokenChars) < 0;
}
