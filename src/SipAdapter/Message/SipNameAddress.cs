namespace CallControl.Sip.Message;

/// <summary>A name-addr or addr-spec header value (From, To, Contact, Route, Record-Route): optional display
/// name, the URI, and header parameters such as tag (RFC 3261 §20.10, §20.20, §20.39).</summary>
public sealed class SipNameAddress
{
    private SipNameAddress(string text, string? displayName, string uriText, SipUri? uri, IReadOnlyList<KeyValuePair<string, string?>> parameters)
    {
        Text = text;
        DisplayName = displayName;
        UriText = uriText;
        Uri = uri;
        Parameters = parameters;
    }

    /// <summary>The value as written.</summary>
    public string Text { get; }

    /// <summary>Display name without quotes, or null.</summary>
    public string? DisplayName { get; }

    public string UriText { get; }

    /// <summary>The URI when it is sip/sips/tel, else null.</summary>
    public SipUri? Uri { get; }

    public IReadOnlyList<KeyValuePair<string, string?>> Parameters { get; }

    public string? Tag => SipParameters.Get(Parameters, "tag");

    public string? GetParameter(string name) => SipParameters.Get(Parameters, name);

    public override string ToString() => Text;

    public static bool TryParse(string text, out SipNameAddress value)
    {
        value = null!;
        var s = text.AsSpan().Trim();
        if (s.IsEmpty)
        {
            return false;
        }

        string? display = null;
        var lt = -1;
        if (s[0] == '"')
        {
            var i = 1;
            var sb = new System.Text.StringBuilder();
            while (i < s.Length && s[i] != '"')
            {
                if (s[i] == '\\' && i + 1 < s.Length)
                {
                    i++;
                }

                sb.Append(s[i]);
                i++;
            }

            if (i >= s.Length)
            {
                return false;
            }

            display = sb.ToString();
            lt = s[(i + 1)..].IndexOf('<');
            if (lt < 0)
            {
                return false;
            }

            lt += i + 1;
        }
        else
        {
            lt = s.IndexOf('<');
            if (lt > 0)
            {
                var d = s[..lt].Trim();
                if (!IsTokenList(d))
                {
                    return false; // unquoted display name with separators, e.g. "Bell, Alexander" (RFC 4475 §3.1.2.15)
                }

                display = d.IsEmpty ? null : d.ToString();
            }
        }

        string uriText;
        ReadOnlySpan<char> paramText;
        if (lt >= 0)
        {
            var gt = s[lt..].IndexOf('>');
            if (gt < 0)
            {
                return false;
            }

            uriText = s[(lt + 1)..(lt + gt)].Trim().ToString();
            paramText = s[(lt + gt + 1)..];
        }
        else
        {
            // addr-spec: parameters after the URI belong to the header, not the URI (RFC 3261 §20.10).
            var semi = s.IndexOf(';');
            uriText = (semi < 0 ? s : s[..semi]).Trim().ToString();
            paramText = semi < 0 ? default : s[semi..];
            if (uriText.IndexOfAny([' ', '\t', ',']) >= 0)
            {
                return false;
            }
        }

        if (uriText.Length == 0 || SipUri.GetScheme(uriText) is null || !SipParameters.TryParse(paramText, out var parameters))
        {
            return false;
        }

        var scheme = SipUri.GetScheme(uriText);
        SipUri? uri = null;
        if (scheme is "sip" or "sips" or "tel" && !SipUri.TryParse(uriText, out uri))
        {
            return false;
        }

        value = new SipNameAddress(s.ToString(), display, uriText, uri, parameters);
        return true;
    }

    /// <summary>display-name = *(token LWS): token characters and white space; UTF-8 is tolerated because
    /// devices send unquoted non-ASCII names and it creates no ambiguity.</summary>
    private static bool IsTokenList(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c is ' ' or '\t' || c > '\u007f' || (c < 0x80 && SipMethods.IsTokenChar((byte)c)))
            {
                continue;
            }

            return false;
        }

        return true;
    }
}
