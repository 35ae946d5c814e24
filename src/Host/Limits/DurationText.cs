using System.Globalization;

namespace CallControl.Host.Limits;

/// <summary>Durations as operators type them: <c>4h</c>, <c>90m</c>, <c>3600s</c>, or <c>hh:mm:ss</c>.</summary>
public static class DurationText
{
    public static TimeSpan? Parse(string text)
    {
        text = text.Trim();
        if (text.Length >= 2 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            return text[^1] switch
            {
                'h' => TimeSpan.FromHours(n),
                'm' => TimeSpan.FromMinutes(n),
                's' => TimeSpan.FromSeconds(n),
                _ => null,
            };
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero ? span : null;
    }
}
