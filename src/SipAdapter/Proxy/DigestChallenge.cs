using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CallControl.Sip.Proxy;

/// <summary>A Digest challenge from WWW-Authenticate / Proxy-Authenticate (RFC 2617 §3.2.1, RFC 3261 §22) and the
/// credentials line that answers it. Only MD5 (and MD5-sess) with qop "auth" or no qop are supported.</summary>
internal sealed record DigestChallenge(string Realm, string Nonce, string? Opaque, string Algorithm, bool QopAuth)
{
    /// <summary>Parses <c>Digest realm="..", nonce="..", qop="auth,auth-int", opaque="..", algorithm=MD5</c>;
    /// false for another scheme, a missing realm/nonce, an unsupported algorithm, or a qop list without "auth".</summary>
    public static bool TryParse(string header, out DigestChallenge challenge)
    {
        challenge = null!;
        var text = header.AsSpan().Trim();
        if (!text.StartsWith("Digest", StringComparison.OrdinalIgnoreCase) || text.Length < 7 || !char.IsWhiteSpace(text[6]))
        {
            return false;
        }

        var parameters = ParseParameters(text[7..]);
        if (!parameters.TryGetValue("realm", out var realm) || !parameters.TryGetValue("nonce", out var nonce))
        {
            return false;
        }

        var algorithm = parameters.TryGetValue("algorithm", out var a) ? a : "MD5";
        if (!algorithm.Equals("MD5", StringComparison.OrdinalIgnoreCase) && !algorithm.Equals("MD5-sess", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var qopAuth = false;
        if (parameters.TryGetValue("qop", out var qop))
        {
            foreach (var option in qop.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                qopAuth |= option.Equals("auth", StringComparison.OrdinalIgnoreCase);
            }

            if (!qopAuth)
            {
                return false; // only auth-int offered
            }
        }

        challenge = new DigestChallenge(realm, nonce, parameters.GetValueOrDefault("opaque"), algorithm, qopAuth);
        return true;
    }

    /// <summary>The Authorization / Proxy-Authorization value for <paramref name="method"/> on <paramref name="uri"/>.</summary>
    public string Answer(DigestCredentials credentials, string method, string uri, string cnonce, uint nonceCount)
    {
        var nc = nonceCount.ToString("x8", CultureInfo.InvariantCulture);
        var ha1 = Md5Hex($"{credentials.Username}:{Realm}:{credentials.Password}");
        if (Algorithm.Equals("MD5-sess", StringComparison.OrdinalIgnoreCase))
        {
            ha1 = Md5Hex($"{ha1}:{Nonce}:{cnonce}");
        }

        var ha2 = Md5Hex($"{method}:{uri}");
        var response = QopAuth ? Md5Hex($"{ha1}:{Nonce}:{nc}:{cnonce}:auth:{ha2}") : Md5Hex($"{ha1}:{Nonce}:{ha2}");
        var b = new StringBuilder("Digest ")
            .Append(CultureInfo.InvariantCulture, $"username=\"{Quote(credentials.Username)}\", realm=\"{Quote(Realm)}\", nonce=\"{Quote(Nonce)}\", ")
            .Append(CultureInfo.InvariantCulture, $"uri=\"{Quote(uri)}\", response=\"{response}\", algorithm={Algorithm}");
        if (QopAuth)
        {
            b.Append(CultureInfo.InvariantCulture, $", qop=auth, nc={nc}, cnonce=\"{cnonce}\"");
        }

        if (Opaque is not null)
        {
            b.Append(CultureInfo.InvariantCulture, $", opaque=\"{Quote(Opaque)}\"");
        }

        return b.ToString();
    }

    public static string Md5Hex(string text)
    {
        // MD5 is what RFC 2617 digest requires; it is not used for anything else here.
        Span<byte> hash = stackalloc byte[16];
        MD5.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Convert.ToHexStringLower(hash);
    }

    private static string Quote(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    /// <summary>auth-param list: name=token or name="quoted, string" separated by commas.</summary>
    internal static Dictionary<string, string> ParseParameters(ReadOnlySpan<char> text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ',' || char.IsWhiteSpace(text[i])))
            {
                i++;
            }

            var nameStart = i;
            while (i < text.Length && text[i] != '=' && text[i] != ',')
            {
                i++;
            }

            var name = text[nameStart..i].Trim().ToString();
            if (i >= text.Length || text[i] != '=')
            {
                continue;
            }

            i++;
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            var value = new StringBuilder();
            if (i < text.Length && text[i] == '"')
            {
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    value.Append(text[i++]);
                }

                i++;
            }
            else
            {
                while (i < text.Length && text[i] != ',')
                {
                    value.Append(text[i++]);
                }
            }

            if (name.Length > 0)
            {
                result[name] = value.ToString().Trim();
            }
        }

        return result;
    }
}
