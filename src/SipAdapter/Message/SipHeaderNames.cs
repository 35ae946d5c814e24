namespace CallControl.Sip.Message;

/// <summary>Header name lookup: long and compact forms (RFC 3261 §7.3.3, RFC 3265, RFC 3515), case-insensitive, allocation free.</summary>
public static class SipHeaderNames
{
    public static SipHeaderId Identify(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty)
        {
            return SipHeaderId.Other;
        }

        // Length and first letter pick at most a few candidates; then one case-insensitive compare.
        var first = Lower(name[0]);
        return name.Length switch
        {
            1 => first switch
            {
                'v' => SipHeaderId.Via,
                'f' => SipHeaderId.From,
                't' => SipHeaderId.To,
                'i' => SipHeaderId.CallId,
                'm' => SipHeaderId.Contact,
                'l' => SipHeaderId.ContentLength,
                'c' => SipHeaderId.ContentType,
                'k' => SipHeaderId.Supported,
                's' => SipHeaderId.Subject,
                'e' => SipHeaderId.ContentEncoding,
                'o' => SipHeaderId.Event,
                'r' => SipHeaderId.ReferTo,
                'u' => SipHeaderId.AllowEvents,
                _ => SipHeaderId.Other,
            },
            2 => Is(name, "to"u8, SipHeaderId.To),
            3 => Is(name, "via"u8, SipHeaderId.Via),
            4 => first == 'f' ? Is(name, "from"u8, SipHeaderId.From) : Is(name, "cseq"u8, SipHeaderId.CSeq),
            5 => first switch
            {
                'r' => Is(name, "route"u8, SipHeaderId.Route),
                'a' => Is(name, "allow"u8, SipHeaderId.Allow),
                'e' => Is(name, "event"u8, SipHeaderId.Event),
                _ => SipHeaderId.Other,
            },
            6 => Is(name, "accept"u8, SipHeaderId.Accept),
            7 => first switch
            {
                'c' => Lower(name[1]) == 'a' ? Is(name, "call-id"u8, SipHeaderId.CallId) : Is(name, "contact"u8, SipHeaderId.Contact),
                's' => Is(name, "subject"u8, SipHeaderId.Subject),
                'r' => Is(name, "require"u8, SipHeaderId.Require),
                'e' => Is(name, "expires"u8, SipHeaderId.Expires),
                _ => SipHeaderId.Other,
            },
            8 => Is(name, "refer-to"u8, SipHeaderId.ReferTo),
            9 => Is(name, "supported"u8, SipHeaderId.Supported),
            11 => first == 'u' ? Is(name, "unsupported"u8, SipHeaderId.Unsupported) : Is(name, "retry-after"u8, SipHeaderId.RetryAfter),
            12 => first switch
            {
                'm' => Is(name, "max-forwards"u8, SipHeaderId.MaxForwards),
                'r' => Is(name, "record-route"u8, SipHeaderId.RecordRoute),
                'c' => Is(name, "content-type"u8, SipHeaderId.ContentType),
                'a' => Is(name, "allow-events"u8, SipHeaderId.AllowEvents),
                _ => SipHeaderId.Other,
            },
            13 => Is(name, "proxy-require"u8, SipHeaderId.ProxyRequire),
            14 => Is(name, "content-length"u8, SipHeaderId.ContentLength),
            16 => Is(name, "content-encoding"u8, SipHeaderId.ContentEncoding),
            _ => SipHeaderId.Other,
        };
    }

    private static char Lower(byte b) => (char)((uint)(b - 'A') <= 'Z' - 'A' ? b | 0x20 : b);

    private static SipHeaderId Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> lower, SipHeaderId id)
    {
        for (var i = 0; i < lower.Length; i++)
        {
            if (Lower(name[i]) != lower[i])
            {
                return SipHeaderId.Other;
            }
        }

        return id;
    }

    /// <summary>Canonical long name, used when the builder writes a header by id.</summary>
    public static string LongName(SipHeaderId id) => id switch
    {
        SipHeaderId.Via => "Via",
        SipHeaderId.From => "From",
        SipHeaderId.To => "To",
        SipHeaderId.CallId => "Call-ID",
        SipHeaderId.CSeq => "CSeq",
        SipHeaderId.MaxForwards => "Max-Forwards",
        SipHeaderId.Route => "Route",
        SipHeaderId.RecordRoute => "Record-Route",
        SipHeaderId.Contact => "Contact",
        SipHeaderId.ContentLength => "Content-Length",
        SipHeaderId.ContentType => "Content-Type",
        SipHeaderId.ProxyRequire => "Proxy-Require",
        SipHeaderId.Require => "Require",
        SipHeaderId.Supported => "Supported",
        SipHeaderId.Unsupported => "Unsupported",
        SipHeaderId.Allow => "Allow",
        SipHeaderId.Accept => "Accept",
        SipHeaderId.Subject => "Subject",
        SipHeaderId.ContentEncoding => "Content-Encoding",
        SipHeaderId.Event => "Event",
        SipHeaderId.ReferTo => "Refer-To",
        SipHeaderId.AllowEvents => "Allow-Events",
        SipHeaderId.RetryAfter => "Retry-After",
        SipHeaderId.Expires => "Expires",
        _ => throw new ArgumentOutOfRangeException(nameof(id), id, "Other headers have no canonical name."),
    };
}
