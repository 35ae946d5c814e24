using System.Globalization;
using System.Text;

namespace CallControl.Sip.Message;

/// <summary>A parsed sip:, sips: or tel: URI (RFC 3261 §19.1, RFC 3966). <see cref="User"/> is %-unescaped;
/// <see cref="ToString"/> returns the URI as it was written.</summary>
public sealed class SipUri
{
    private SipUri(string text, string scheme, string? user, string? password, string host, int? port,
        IReadOnlyList<KeyValuePair<string, string?>> parameters, string? headers)
    {
        Text = text;
        Scheme = scheme;
        User = user;
        Password = password;
        Host = host;
        Port = port;
        Parameters = parameters;
        Headers = headers;
    }

    public string Text { get; }

    /// <summary>Lower-case scheme: sip, sips or tel.</summary>
    public string Scheme { get; }

    /// <summary>User part (for tel: the number), unescaped; null when absent.</summary>
    public string? User { get; }

    public string? Password { get; }

    /// <summary>Host as written; IPv6 references keep their brackets. Empty for tel: URIs.</summary>
    public string Host { get; }

    public int? Port { get; }

    public IReadOnlyList<KeyValuePair<string, string?>> Parameters { get; }

    /// <summary>The raw header part after '?', or null.</summary>
    public string? Headers { get; }

    /// <summary>Host without IPv6 brackets, ready for <see cref="System.Net.IPAddress.TryParse(string, out System.Net.IPAddress)"/>.</summary>
    public string HostAddress => Host.Length > 1 && Host[0] == '[' ? Host[1..^1] : Host;

    public string? Transport => GetParameter("transport");

    public bool LooseRouting => SipParameters.Has(Parameters, "lr");

    public string? GetParameter(string name) => SipParameters.Get(Parameters, name);

    public bool HasParameter(string name) => SipParameters.Has(Parameters, name);

    public override string ToString() => Text;

    /// <summary>The scheme of a URI text (lower case), or null when there is no "scheme:" prefix.</summary>
    public static string? GetScheme(ReadOnlySpan<char> text)
    {
        var colon = text.IndexOf(':');
        if (colon <= 0)
        {
            return null;
        }

        foreach (var c in text[..colon])
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.'))
            {
                return null;
            }
        }

        return text[..colon].ToString().ToLowerInvariant();
    }

    public static SipUri Parse(string text) =>
        TryParse(text, out var uri) ? uri : throw new FormatException($"Not a valid sip/sips/tel URI: '{text}'.");

    public static bool TryParse(string text, out SipUri uri)
    {
        uri = null!;
        var scheme = GetScheme(text);
        if (scheme is not ("sip" or "sips" or "tel"))
        {
            return false;
        }

        var rest = text.AsSpan(scheme.Length + 1);
        if (scheme == "tel")
        {
            var semi = rest.IndexOf(';');
            var number = semi < 0 ? rest : rest[..semi];
            if (number.IsEmpty || !SipParameters.TryParse(semi < 0 ? default : rest[semi..], out var telParams))
            {
                return false;
            }

            uri = new SipUri(text, scheme, Unescape(number), null, "", null, telParams, null);
            return true;
        }

        // userinfo may hold '?', ';' and ':' (RFC 3261 §25.1 user-unreserved) but never an unescaped '@', so the first
        // '@' ends it; only then does '?' start the URI headers (RFC 4475 §3.1.1.2).
        string? user = null;
        string? password = null;
        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            var userInfo = rest[..at];
            var colon = userInfo.IndexOf(':');
            var userPart = colon < 0 ? userInfo : userInfo[..colon];
            if (userPart.IsEmpty)
            {
                return false;
            }

            user = Unescape(userPart);
            password = colon < 0 ? null : userInfo[(colon + 1)..].ToString();
            rest = rest[(at + 1)..];
        }

        string? headers = null;
        var q = rest.IndexOf('?');
        if (q >= 0)
        {
            headers = rest[(q + 1)..].ToString();
            rest = rest[..q];
        }

        int hostEnd;
        if (rest.Length > 0 && rest[0] == '[')
        {
            hostEnd = rest.IndexOf(']') + 1;
            // IPv6reference only: a bracketed IPv4 address is not a host (RFC 3261 §25.1).
            if (hostEnd <= 2 || !System.Net.IPAddress.TryParse(rest[1..(hostEnd - 1)], out var ip) ||
                ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return false;
            }
        }
        else
        {
            hostEnd = rest.IndexOfAny(':', ';');
            if (hostEnd < 0)
            {
                hostEnd = rest.Length;
            }
        }

        var host = rest[..hostEnd];
        if (host.IsEmpty || !ValidHost(host))
        {
            return false;
        }

        rest = rest[hostEnd..];
        int? port = null;
        if (rest.Length > 0 && rest[0] == ':')
        {
            var portEnd = rest.IndexOf(';');
            var portText = portEnd < 0 ? rest[1..] : rest[1..portEnd];
            if (portText.IsEmpty || portText.Length > 5 || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p > 65535)
            {
                return false;
            }

            port = p;
            rest = portEnd < 0 ? default : rest[portEnd..];
        }

        if (!SipParameters.TryParse(rest, out var parameters))
        {
            return false;
        }

        uri = new SipUri(text, scheme, user, password, host.ToString(), port, parameters, headers);
        return true;
    }

    private static bool ValidHost(ReadOnlySpan<char> host)
    {
        if (host[0] == '[')
        {
            return true;
        }

        foreach (var c in host)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Decodes %XX escapes (UTF-8); invalid escapes are kept literally.</summary>
    internal static string Unescape(ReadOnlySpan<char> text)
    {
        if (text.IndexOf('%') < 0)
        {
            return text.ToString();
        }

        var bytes = new List<byte>(text.Length);
        Span<byte> buf = stackalloc byte[4];
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '%' && i + 2 < text.Length &&
                byte.TryParse(text.Slice(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                var n = Encoding.UTF8.GetBytes(text.Slice(i, 1), buf);
                for (var k = 0; k < n; k++)
                {
                    bytes.Add(buf[k]);
                }
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
