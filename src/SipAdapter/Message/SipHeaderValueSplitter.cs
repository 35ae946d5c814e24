namespace CallControl.Sip.Message;

/// <summary>Splits a header value at commas that are outside quoted strings and angle brackets (RFC 3261 §7.3.1).</summary>
internal static class SipHeaderValueSplitter
{
    public static void Split(string value, List<string> into)
    {
        var inQuotes = false;
        var inAngle = false;
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (inQuotes)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inQuotes = false;
                }
            }
            else if (c == '"')
            {
                inQuotes = true;
            }
            else if (c == '<')
            {
                inAngle = true;
            }
            else if (c == '>')
            {
                inAngle = false;
            }
            else if (c == ',' && !inAngle)
            {
                Add(value, start, i, into);
                start = i + 1;
            }
        }

        Add(value, start, value.Length, into);
    }

    /// <summary>The first comma-separated value (the whole value when there is no separating comma).</summary>
    public static string First(string value)
    {
        if (value.IndexOf(',') < 0)
        {
            return value;
        }

        var list = new List<string>(2);
        Split(value, list);
        return list.Count > 0 ? list[0] : "";
    }

    private static void Add(string value, int start, int end, List<string> into)
    {
        var part = value.AsSpan(start, end - start).Trim();
        if (!part.IsEmpty)
        {
            into.Add(part.ToString());
        }
    }
}
