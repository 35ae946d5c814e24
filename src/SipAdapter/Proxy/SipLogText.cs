using System.Text;

namespace CallControl.Sip.Proxy;

/// <summary>Makes untrusted message bytes safe for a log line: escaped control characters, truncated.</summary>
internal static class SipLogText
{
    public const int MaxLength = 160;

    public static string Escape(ReadOnlySpan<byte> data)
    {
        var sb = new StringBuilder(Math.Min(data.Length, MaxLength) + 8);
        foreach (var b in data)
        {
            if (sb.Length >= MaxLength)
            {
                sb.Append("...");
                break;
            }

            switch (b)
            {
                case (byte)'\r': sb.Append("\\r"); break;
                case (byte)'\n': sb.Append("\\n"); break;
                case (byte)'\\': sb.Append("\\\\"); break;
                case < 0x20 or >= 0x7f: sb.Append("\\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)); break;
                default: sb.Append((char)b); break;
            }
        }

        return sb.ToString();
    }
}
