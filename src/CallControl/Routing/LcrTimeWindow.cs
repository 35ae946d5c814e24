using System.Globalization;
using CallControl.Provisioning;
using NodaTime;

namespace CallControl.Routing;

internal static class TimeWindowMath
{
    /// <summary>Minutes since midnight of <c>HH:mm</c> (0..1440; 24:00 is the end of the day), or null.</summary>
    public static int? ParseMinutes(string? text)
    {
        if (text is not { Length: 5 } || text[2] != ':') return null;
        if (!int.TryParse(text.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var h) ||
            !int.TryParse(text.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m)) return null;
        if (m > 59 || h > 24 || (h == 24 && m != 0)) return null;
        return h * 60 + m;
    }
}

/// <summary>
/// A compiled LCR time window: weekdays and a time-of-day range in a zone. The local time is
/// computed from the instant in the zone, so DST changes move the window in UTC as they should.
/// A window that spans midnight (From &gt; To) belongs to the day it starts on.
/// </summary>
public sealed class LcrTimeWindow
{
    private readonly int _dayMask; // bit (IsoDayOfWeek - 1)
    private readonly int _from, _to;
    private readonly DateTimeZone _zone;
    private readonly string _text;

    public LcrTimeWindow(TimeWindow window)
    {
        _zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(window.Zone) ?? DateTimeZone.Utc;
        _from = TimeWindowMath.ParseMinutes(window.From) ?? 0;
        _to = TimeWindowMath.ParseMinutes(window.To) ?? 1440;
        foreach (var d in window.Days)
            _dayMask |= d switch { "mon" => 1, "tue" => 2, "wed" => 4, "thu" => 8, "fri" => 16, "sat" => 32, "sun" => 64, _ => 0 };
        if (_dayMask == 0) _dayMask = 127;
        _text = $"{(window.Days.Count == 0 ? "every day" : string.Join(",", window.Days))} {window.From}-{window.To} {window.Zone}";
    }

    public bool Contains(Instant now)
    {
        var local = now.InZone(_zone).LocalDateTime;
        var minutes = local.Hour * 60 + local.Minute;
        var day = (int)local.DayOfWeek - 1;
        if (_from < _to) return IsDay(day) && minutes >= _from && minutes < _to;
        // Spans midnight: the evening part is on a listed day, the morning part on the day after one.
        return (minutes >= _from && IsDay(day)) || (minutes < _to && IsDay((day + 6) % 7));
    }

    private bool IsDay(int index) => (_dayMask & (1 << index)) != 0;

    public override string ToString() => _text;
}
