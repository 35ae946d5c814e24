using System.Text;

namespace CallControl.Sip.Proxy;

/// <summary>Builds a best-effort error response for a request that could not be parsed, copying the raw Via,
/// From, To, Call-ID and CSeq lines it can find (RFC 3261 §8.2.6). Without a Via nothing can be answered.</summary>
internal static class RawRejection
{
    public static bool TryBuild(ReadOnlySpan<byte> data, int status, string reason, out byte[] response)
    {
        response = [];
        var sb = new StringBuilder();
        sb.Append("SIP/2.0 ").Append(status).Append(' ').Append(reason).Append("\r\n");
        var hasVia = false;
        var pos = data.IndexOf((byte)'\n') + 1;
        var limit = Math.Min(data.Length, 8192);
        while (pos > 0 && pos < limit)
        {
            var rel = data[pos..limit].IndexOf((byte)'\n');
            var end = rel < 0 ? limit : pos + rel;
            var line = data[pos..end].TrimEnd((byte)'\r');
            if (line.IsEmpty)
            {
                break;
            }

            var colon = line.IndexOf((byte)':');
            if (colon > 0)
            {
                var id = Message.SipHeaderNames.Identify(line[..colon].Trim((byte)' '));
                if (id is Message.SipHeaderId.Via or Message.SipHeaderId.From or Message.SipHeaderId.To or Message.SipHeaderId.CallId or Message.SipHeaderId.CSeq &&
                    line.IndexOfAnyInRange((byte)0, (byte)0x1f) < 0)
                {
                    hasVia |= id == Message.SipHeaderId.Via;
                    sb.Append(Encoding.UTF8.GetString(line)).Append("\r\n");
                }
            }

            pos = end + 1;
        }

        if (!hasVia)
        {
            return false;
        }

        sb.Append("Content-Length: 0\r\n\r\n");
        response = Encoding.UTF8.GetBytes(sb.ToString());
        return true;
    }
}
