using System.Text;

namespace CallControl.Sip.Message;

/// <summary>Header name lookup: long and compact forms (RFC 3261 §7.3.3, RFC 3265, RFC 3515), case-insensitive, allocation free.</summary>
public static class SipHeaderNames
{
    private static readonly (byte[] Lower, SipHeaderId Id)[][] ByLength = BuildTable();

    public static SipHeaderId Identify(ReadOnlySpan<byte> name)
    {
        if (name.Length == 1)
        {
            return (name[0] | 0x20) switch
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
            };
        }

        if (name.Length >= ByLength.Length)
        {
            return SipHeaderId.Other;
        }

        var first = (byte)(name[0] | 0x20);
        foreach (var (lower, id) in ByLength[name.Length])
        {
            if (lower[0] == first && System.Text.Ascii.EqualsIgnoreCase(name, lower))
            {
                return id;
            }
        }

        return SipHeaderId.Other;
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

    private static (byte[], SipHeaderId)[][] BuildTable()
    {
        var ids = Enum.GetValues<SipHeaderId>();
        var max = 0;
        foreach (var id in ids)
        {
            if (id != SipHeaderId.Other)
            {
                max = Math.Max(max, LongName(id).Length);
            }
        }

        var lists = new List<(byte[], SipHeaderId)>[max + 1];
        for (var i = 0; i < lists.Length; i++)
        {
            lists[i] = [];
        }

        foreach (var id in ids)
        {
            if (id != SipHeaderId.Other)
            {
                var name = LongName(id).ToLowerInvariant();
                lists[name.Length].Add((Encoding.ASCII.GetBytes(name), id));
            }
        }

        var table = new (byte[], SipHeaderId)[max + 1][];
        for (var i = 0; i < lists.Length; i++)
        {
            table[i] = lists[i].ToArray();
        }

        return table;
    }
}
