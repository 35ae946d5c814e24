using System.Text;

namespace CallControl.Sip.Message;

/// <summary>
/// A parsed, read-only SIP message: the raw bytes plus an index of start-line and header ranges. Typed accessors
/// parse on first use and cache; a malformed value makes the accessor throw <see cref="SipMessageException"/>
/// (carrying the 400 reason phrase). New messages are made with <see cref="SipMessageBuilder"/>.
/// </summary>
public sealed class SipMessage
{
    private readonly SipStartLine _start;
    private readonly SipHeaderEntry[] _headers;
    private readonly int _headerCount;
    private readonly int _bodyStart;
    private string? _requestUri;
    private string? _methodName;
    private string? _reason;
    private string? _callId;
    private SipNameAddress? _from;
    private SipNameAddress? _to;
    private IReadOnlyList<SipViaHeader>? _vias;
    private SipViaHeader? _topVia;
    private IReadOnlyList<SipNameAddress>? _routes;
    private IReadOnlyList<SipNameAddress>? _recordRoutes;
    private IReadOnlyList<SipNameAddress>? _contacts;
    private SipUri? _requestUriParsed;

    internal SipMessage(ReadOnlyMemory<byte> raw, SipStartLine start, SipHeaderEntry[] headers, int headerCount, int bodyStart,
        uint cseqNumber, SipMethod cseqMethod, int maxForwards)
    {
        Raw = raw;
        _start = start;
        _headers = headers;
        _headerCount = headerCount;
        _bodyStart = bodyStart;
        CSeq = new SipCSeq(cseqNumber, cseqMethod);
        MaxForwards = maxForwards < 0 ? null : maxForwards;
    }

    /// <summary>The message exactly as received (without extra datagram bytes after the body).</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    public bool IsRequest => _start.IsRequest;

    public SipMethod Method => _start.IsRequest ? _start.Method : SipMethod.Unknown;

    /// <summary>The method token as written (requests only; empty for responses).</summary>
    public string MethodName => _methodName ??= _start.IsRequest ? Ascii(_start.MethodStart, _start.MethodLength) : "";

    /// <summary>Request-URI text (requests only; empty for responses).</summary>
    public string RequestUri => _requestUri ??= _start.IsRequest ? Ascii(_start.UriStart, _start.UriLength) : "";

    /// <summary>The Request-URI parsed; throws <see cref="SipMessageException"/> with 416 for a scheme other than
    /// sip/sips/tel (RFC 3261 §16.3), with 400 when it is malformed or carries URI headers (RFC 4475 §3.1.2.11: they
    /// must never be forwarded nor turned into real headers).</summary>
    public SipUri RequestUriParsed => _requestUriParsed ??= ParseRequestUri();

    public int StatusCode => _start.IsRequest ? 0 : _start.StatusCode;

    public string ReasonPhrase => _reason ??= _start.IsRequest ? "" : Utf8(_start.ReasonStart, _start.ReasonLength);

    public SipCSeq CSeq { get; }

    /// <summary>Max-Forwards, or null when the header is absent.</summary>
    public int? MaxForwards { get; }

    public string CallId => _callId ??= GetFirst(SipHeaderId.CallId) ?? "";

    public SipNameAddress From => _from ??= ParseNameAddress(SipHeaderId.From, "Bad From");

    public SipNameAddress To => _to ??= ParseNameAddress(SipHeaderId.To, "Bad To");

    public IReadOnlyList<SipViaHeader> Vias => _vias ??= ParseVias();

    /// <summary>The first Via value; parsed on its own, without the rest of the Via list.</summary>
    public SipViaHeader TopVia => _topVia ??= _vias is { } all ? all[0] : ParseTopVia();

    public IReadOnlyList<SipNameAddress> Routes => _routes ??= ParseNameAddresses(SipHeaderId.Route, "Bad Route");

    public IReadOnlyList<SipNameAddress> RecordRoutes => _recordRoutes ??= ParseNameAddresses(SipHeaderId.RecordRoute, "Bad Record-Route");

    public IReadOnlyList<SipNameAddress> Contacts => _contacts ??= ParseNameAddresses(SipHeaderId.Contact, "Bad Contact");

    public string? ContentType => GetFirst(SipHeaderId.ContentType);

    /// <summary>Option tags of all Proxy-Require headers (empty when none).</summary>
    public IReadOnlyList<string> ProxyRequire => GetValues(SipHeaderId.ProxyRequire);

    public ReadOnlyMemory<byte> Body => Raw[_bodyStart..];

    public int ContentLength => Raw.Length - _bodyStart;

    public int HeaderCount => _headerCount;

    public SipHeaderId GetHeaderId(int index) => Header(index).Id;

    public string GetHeaderName(int index)
    {
        var e = Header(index);
        return Ascii(e.NameStart, e.NameLength);
    }

    /// <summary>Header value as text, unfolded (continuation line breaks become single spaces).</summary>
    public string GetHeaderValue(int index)
    {
        var e = Header(index);
        var text = Utf8(e.ValueStart, e.ValueLength);
        return e.Folded ? Unfold(text) : text;
    }

    /// <summary>The complete header line(s) as raw bytes, without the final CRLF.</summary>
    internal ReadOnlyMemory<byte> GetHeaderLine(int index)
    {
        var e = Header(index);
        return Raw.Slice(e.LineStart, e.LineLength);
    }

    internal ReadOnlySpan<byte> GetHeaderValueSpan(int index)
    {
        var e = Header(index);
        return Raw.Span.Slice(e.ValueStart, e.ValueLength);
    }

    /// <summary>ReadOnlyMemory of the start line, for builders that keep it.</summary>
    internal ReadOnlyMemory<byte> StartLineBytes
    {
        get
        {
            var lf = Raw.Span.IndexOf((byte)'\n');
            return Raw[..(lf > 0 && Raw.Span[lf - 1] == (byte)'\r' ? lf - 1 : lf)];
        }
    }

    public bool HasHeader(SipHeaderId id) => IndexOf(id, 0) >= 0;

    /// <summary>First header line's value for <paramref name="id"/> (whole line, not comma-split), or null.</summary>
    public string? GetFirst(SipHeaderId id)
    {
        var i = IndexOf(id, 0);
        return i < 0 ? null : GetHeaderValue(i);
    }

    /// <summary>First value of a header that the stack does not know by id (case-insensitive name).</summary>
    public string? GetFirst(string name)
    {
        var bytes = Encoding.ASCII.GetBytes(name);
        for (var i = 0; i < _headerCount; i++)
        {
            var e = _headers[i];
            if (System.Text.Ascii.EqualsIgnoreCase(Raw.Span.Slice(e.NameStart, e.NameLength), bytes))
            {
                return GetHeaderValue(i);
            }
        }

        return null;
    }

    /// <summary>All values of the header across lines, split at commas outside quotes and angle brackets.</summary>
    public IReadOnlyList<string> GetValues(SipHeaderId id)
    {
        List<string>? list = null;
        for (var i = IndexOf(id, 0); i >= 0; i = IndexOf(id, i + 1))
        {
            list ??= [];
            SipHeaderValueSplitter.Split(GetHeaderValue(i), list);
        }

        return list ?? (IReadOnlyList<string>)[];
    }

    internal int IndexOf(SipHeaderId id, int from)
    {
        for (var i = from; i < _headerCount; i++)
        {
            if (_headers[i].Id == id)
            {
                return i;
            }
        }

        return -1;
    }

    public override string ToString() => Encoding.UTF8.GetString(Raw.Span);

    private SipHeaderEntry Header(int index) => (uint)index < (uint)_headerCount
        ? _headers[index]
        : throw new ArgumentOutOfRangeException(nameof(index));

    private string Ascii(int start, int length) => Encoding.ASCII.GetString(Raw.Span.Slice(start, length));

    private string Utf8(int start, int length) => Encoding.UTF8.GetString(Raw.Span.Slice(start, length));

    private static string Unfold(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\r' or '\n')
            {
                while (i + 1 < text.Length && text[i + 1] is '\r' or '\n' or ' ' or '\t')
                {
                    i++;
                }

                sb.Append(' ');
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private SipUri ParseRequestUri()
    {
        if (SipUri.GetScheme(RequestUri) is not ("sip" or "sips" or "tel"))
        {
            throw new SipMessageException(416, "Unsupported URI Scheme");
        }

        return SipUri.TryParse(RequestUri, out var uri) && uri.Headers is null
            ? uri
            : throw new SipMessageException(400, "Bad Request-URI");
    }

    private SipNameAddress ParseNameAddress(SipHeaderId id, string reason)
    {
        var value = GetFirst(id) ?? throw new SipMessageException(400, reason);
        return SipNameAddress.TryParse(value, out var parsed) ? parsed : throw new SipMessageException(400, reason);
    }

    private List<SipNameAddress> ParseNameAddresses(SipHeaderId id, string reason)
    {
        var values = GetValues(id);
        var list = new List<SipNameAddress>(values.Count);
        foreach (var v in values)
        {
            if (id == SipHeaderId.Contact && v == "*")
            {
                continue;
            }

            list.Add(SipNameAddress.TryParse(v, out var parsed) ? parsed : throw new SipMessageException(400, reason));
        }

        return list;
    }

    private SipViaHeader ParseTopVia()
    {
        var i = IndexOf(SipHeaderId.Via, 0);
        var value = i < 0 ? "" : GetHeaderValue(i);
        var first = SipHeaderValueSplitter.First(value);
        return SipViaHeader.TryParse(first, out var via) ? via : throw new SipMessageException(400, "Bad Via");
    }

    /// <summary>True when any header value contains <paramref name="text"/> (cheap pre-check before typed parsing).</summary>
    internal bool HeaderContains(SipHeaderId id, ReadOnlySpan<byte> text)
    {
        for (var i = IndexOf(id, 0); i >= 0; i = IndexOf(id, i + 1))
        {
            if (GetHeaderValueSpan(i).IndexOf(text) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    private List<SipViaHeader> ParseVias()
    {
        var values = GetValues(SipHeaderId.Via);
        var list = new List<SipViaHeader>(values.Count);
        foreach (var v in values)
        {
            list.Add(SipViaHeader.TryParse(v, out var via) ? via : throw new SipMessageException(400, "Bad Via"));
        }

        if (list.Count == 0)
        {
            throw new SipMessageException(400, "Bad Via");
        }

        return list;
    }
}
