using System.Globalization;

namespace CallControl.Sip.Message;

/// <summary>One Via value (RFC 3261 §20.42, RFC 3581 rport): transport, sent-by and the parameters a proxy uses.</summary>
public sealed class SipViaHeader
{
    /// <summary>Branch prefix of RFC 3261 compliant transactions (§8.1.1.7).</summary>
    public const string MagicCookie = "z9hG4bK";

    private SipViaHeader(string text, string transport, string host, int? port, IReadOnlyList<KeyValuePair<string, string?>> parameters)
    {
        Text = text;
        Transport = transport;
        Host = host;
        Port = port;
        Parameters = parameters;
    }

    public string Text { get; }

    /// <summary>Upper-case transport token: UDP, TCP, TLS, SCTP, WS...</summary>
    public string Transport { get; }

    /// <summary>sent-by host; IPv6 keeps brackets.</summary>
    public string Host { get; }

    public int? Port { get; }

    public IReadOnlyList<KeyValuePair<string, string?>> Parameters { get; }

    public string? Branch => SipParameters.Get(Parameters, "branch");

    public string? Received => SipParameters.Get(Parameters, "received");

    /// <summary>True when the rport parameter is present (with or without a value).</summary>
    public bool HasRPort => SipParameters.Has(Parameters, "rport");

    public int? RPort => int.TryParse(SipParameters.Get(Parameters, "rport"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;

    public string SentBy => Port is { } p ? $"{Host}:{p}" : Host;

    public string? GetParameter(string name) => SipParameters.Get(Parameters, name);

    public override string ToString() => Text;

    /// <summary>This Via with received/rport set (RFC 3261 §18.2.1, RFC 3581 §4); other parameters are kept.</summary>
    public string WithReceived(string? received, int? rport)
    {
        var sb = new System.Text.StringBuilder("SIP/2.0/").Append(Transport).Append(' ').Append(SentBy);
        foreach (var p in Parameters)
        {
            if (p.Key.Equals("received", StringComparison.OrdinalIgnoreCase) || p.Key.Equals("rport", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            sb.Append(';').Append(p.Key);
            if (p.Value is not null)
            {
                sb.Append('=').Append(p.Value);
            }
        }

        if (received is not null)
        {
            sb.Append(";received=").Append(received);
        }

        if (rport is { } port)
        {
            sb.Append(";rport=").Append(port.ToString(CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    public static bool TryParse(string text, out SipViaHeader via)
    {
        via = null!;
        var s = text.AsSpan().Trim();
        // sent-protocol = "SIP" LWS? "/" LWS? "2.0" LWS? "/" LWS? transport
        if (!TakeToken(ref s, out var name) || !name.Equals("SIP", StringComparison.OrdinalIgnoreCase) || !TakeSlash(ref s) ||
            !TakeToken(ref s, out var version) || !version.SequenceEqual("2.0") || !TakeSlash(ref s) ||
            !TakeToken(ref s, out var transport))
        {
            return false;
        }

        s = s.TrimStart();
        int hostEnd;
        if (s.Length > 0 && s[0] == '[')
        {
            hostEnd = s.IndexOf(']') + 1;
            if (hostEnd <= 2 || !System.Net.IPAddress.TryParse(s[1..(hostEnd - 1)], out var ip) ||
                ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return false; // sent-by in brackets must be an IPv6 address
            }
        }
        else
        {
            hostEnd = s.IndexOfAny(':', ';', ' ');
            if (hostEnd < 0)
            {
                hostEnd = s.Length;
            }
        }

        var host = s[..hostEnd];
        if (host.IsEmpty)
        {
            return false;
        }

        s = s[hostEnd..].TrimStart();
        int? port = null;
        if (s.Length > 0 && s[0] == ':')
        {
            s = s[1..].TrimStart();
            var end = 0;
            while (end < s.Length && char.IsAsciiDigit(s[end]))
            {
                end++;
            }

            if (end == 0 || end > 5 || !int.TryParse(s[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p > 65535)
            {
                return false;
            }

            port = p;
            s = s[end..];
        }

        if (!SipParameters.TryParse(s, out var parameters))
        {
            return false;
        }

        via = new SipViaHeader(text.Trim(), transport.ToString().ToUpperInvariant(), host.ToString(), port, parameters);
        return true;
    }

    private static bool TakeToken(ref ReadOnlySpan<char> s, out ReadOnlySpan<char> token)
    {
        s = s.TrimStart();
        var i = 0;
        while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] is '.' or '-' or '_' or '!' or '%' or '*' or '+' or '`' or '\'' or '~'))
        {
            i++;
        }

        token = s[..i];
        s = s[i..];
        return i > 0;
    }

    private static bool TakeSlash(ref ReadOnlySpan<char> s)
    {
        s = s.TrimStart();
        if (s.Length == 0 || s[0] != '/')
        {
            return false;
        }

        s = s[1..];
        return true;
    }
}
