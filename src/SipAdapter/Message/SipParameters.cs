namespace CallControl.Sip.Message;

/// <summary>Parses ";name=value" parameter lists (URI and header parameters); values may be quoted strings.</summary>
internal static class SipParameters
{
    /// <summary>Parses <paramref name="text"/> starting at a ';' (or empty). Returns false on an empty name.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out List<KeyValuePair<string, string?>> parameters)
    {
        parameters = [];
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i >= text.Length)
            {
                break;
            }

            if (text[i] != ';')
            {
                return false;
            }

            i++;
            var nameStart = i;
            while (i < text.Length && text[i] is not (';' or '='))
            {
                i++;
            }

            var name = text[nameStart..i].Trim();
            if (name.IsEmpty)
            {
                return false;
            }

            string? value = null;
            if (i < text.Length && text[i] == '=')
            {
                i++;
                while (i < text.Length && char.IsWhiteSpace(text[i]))
                {
                    i++;
                }

                var valueStart = i;
                if (i < text.Length && text[i] == '"')
                {
                    i++;
                    while (i < text.Length && text[i] != '"')
                    {
                        i += text[i] == '\\' ? 2 : 1;
                    }

                    if (i >= text.Length)
                    {
                        return false;
                    }

                    i++;
                }
                else
                {
                    while (i < text.Length && text[i] != ';')
                    {
                        i++;
                    }
                }

                value = text[valueStart..Math.Min(i, text.Length)].Trim().ToString();
            }

            parameters.Add(new KeyValuePair<string, string?>(name.ToString(), value));
        }

        return true;
    }

    public static string? Get(IReadOnlyList<KeyValuePair<string, string?>> parameters, string name)
    {
        foreach (var p in parameters)
        {
            if (string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return p.Value;
            }
        }

        return null;
    }

    public static bool Has(IReadOnlyList<KeyValuePair<string, string?>> parameters, string name)
    {
        foreach (var p in parameters)
        {
            if (string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
