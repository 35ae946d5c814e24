using System.Globalization;
using System.Text;
using CallControl.Billing.Money;
using CallControl.Billing.Tariffs;
using NodaTime;
using NodaTime.Text;

namespace CallControl.Billing.Csv;

/// <summary>Parsing and formatting of CGRateS cell values. Parsers return null and set an error message.</summary>
internal static class CsvValues
{
    private static readonly LocalTimePattern TimePattern = LocalTimePattern.CreateWithInvariantCulture("HH':'mm':'ss");
    private static readonly OffsetDateTimePattern WithOffset = OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'ss;FFFFFFFFFo<Z+HH:mm>");
    private static readonly LocalDateTimePattern WithoutOffset = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'ss;FFFFFFFFF");
    private static readonly LocalDateTimePattern WithoutOffsetSpace = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd' 'HH':'mm':'ss;FFFFFFFFF");
    private static readonly InstantPattern UtcOut = InstantPattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'ss;FFFFFFFFF'Z'");

    public static decimal? Decimal(string value, out string? error)
    {
        error = null;
        if (decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out var d))
        {
            return d;
        }
        error = $"'{value}' is not a decimal number";
        return null;
    }

    public static int? Int(string value, int min, int max, out string? error)
    {
        error = null;
        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i >= min && i <= max)
        {
            return i;
        }
        error = $"'{value}' is not a whole number in {min}..{max}";
        return null;
    }

    /// <summary>Go-style durations ("60s", "1m30s", "500ms", "1h"); a bare number is seconds.</summary>
    public static Duration? Duration(string value, out string? error)
    {
        error = null;
        if (value.Length == 0)
        {
            error = "duration is empty";
            return null;
        }
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var bareSeconds))
        {
            return NodaTime.Duration.FromSeconds(bareSeconds);
        }
        var total = NodaTime.Duration.Zero;
        var i = 0;
        while (i < value.Length)
        {
            var numberStart = i;
            while (i < value.Length && (char.IsAsciiDigit(value[i]) || value[i] == '.'))
            {
                i++;
            }
            var unitStart = i;
            while (i < value.Length && char.IsAsciiLetter(value[i]))
            {
                i++;
            }
            if (numberStart == unitStart || unitStart == i
                || !decimal.TryParse(value.AsSpan(numberStart, unitStart - numberStart), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                error = $"'{value}' is not a duration like 60s, 1m30s or 500ms";
                return null;
            }
            var unit = value[unitStart..i];
            decimal? ms = unit switch
            {
                "h" => number * 3_600_000m,
                "m" => number * 60_000m,
                "s" => number * 1000m,
                "ms" => number,
                _ => null,
            };
            if (ms is null || ms != decimal.Truncate(ms.Value))
            {
                error = $"'{value}': unit '{unit}' unknown or below a millisecond";
                return null;
            }
            total += NodaTime.Duration.FromMilliseconds((long)ms.Value);
        }
        return total;
    }

    public static string Format(Duration d)
    {
        var ms = d.BclCompatibleTicks / NodaConstants.TicksPerMillisecond;
        return ms % 1000 == 0 ? $"{ms / 1000}s" : $"{ms}ms";
    }

    public static string Format(decimal d) => d.ToString(CultureInfo.InvariantCulture);

    public static RoundingMethod? Rounding(string value, out string? error)
    {
        error = null;
        switch (value)
        {
            case "*up": return RoundingMethod.Up;
            case "*down": return RoundingMethod.Down;
            case "*middle": return RoundingMethod.Middle;
            default:
                error = $"'{value}' is not one of *up, *down, *middle";
                return null;
        }
    }

    public static string Format(RoundingMethod m) => m switch
    {
        RoundingMethod.Up => "*up",
        RoundingMethod.Down => "*down",
        _ => "*middle",
    };

    public static MaxCostStrategy? Strategy(string value, decimal maxCost, out string? error)
    {
        error = null;
        if (maxCost == 0)
        {
            return MaxCostStrategy.None;
        }
        switch (value)
        {
            case "*free": return MaxCostStrategy.Cap;
            case "*disconnect": return MaxCostStrategy.Disconnect;
            default:
                error = $"'{value}' is not one of *free, *disconnect (required when MaxCost is set)";
                return null;
        }
    }

    public static string Format(MaxCostStrategy s) => s switch
    {
        MaxCostStrategy.Cap => "*free",
        MaxCostStrategy.Disconnect => "*disconnect",
        _ => "",
    };

    /// <summary>"*any" or a ';'-separated list.</summary>
    public static int[]? IntList(string value, int min, int max, out string? error)
    {
        error = null;
        if (value is TariffConventions.Any or "")
        {
            return [];
        }
        var parts = value.Split(';');
        var result = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            var v = Int(parts[i].Trim(), min, max, out error);
            if (v is null)
            {
                return null;
            }
            result[i] = v.Value;
        }
        return result;
    }

    public static string Format(IReadOnlyList<int> list) =>
        list.Count == 0 ? TariffConventions.Any : string.Join(';', list.Select(i => i.ToString(CultureInfo.InvariantCulture)));

    public static LocalTime? Time(string value, out string? error)
    {
        error = null;
        var result = TimePattern.Parse(value);
        if (result.Success)
        {
            return result.Value;
        }
        error = $"'{value}' is not a time of day HH:mm:ss";
        return null;
    }

    public static string Format(LocalTime t) => TimePattern.Format(t);

    /// <summary>With 'Z' or an offset: that instant. Without: local time in <paramref name="zone"/> (earlier of an ambiguous pair, gap end if skipped).</summary>
    public static Instant? Activation(string value, DateTimeZone zone, out string? error)
    {
        error = null;
        var withOffset = WithOffset.Parse(value);
        if (withOffset.Success)
        {
            return withOffset.Value.ToInstant();
        }
        var local = WithoutOffset.Parse(value);
        if (!local.Success)
        {
            local = WithoutOffsetSpace.Parse(value);
        }
        if (local.Success)
        {
            return local.Value.InZoneLeniently(zone).ToInstant();
        }
        error = $"'{value}' is not a date-time like 2026-01-01T00:00:00Z";
        return null;
    }

    public static string Format(Instant i) => UtcOut.Format(i);

    /// <summary>E.164 digits; a leading '+' is accepted and dropped.</summary>
    public static string? Prefix(string value, out string? error)
    {
        error = null;
        var digits = value.StartsWith('+') ? value[1..] : value;
        if (digits.Length > 0 && TariffConventions.IsDigits(digits))
        {
            return digits;
        }
        error = $"'{value}' is not an E.164 prefix (digits, optional leading '+')";
        return null;
    }

    /// <summary>Writes one CSV line, quoting only when needed.</summary>
    public static void Line(StringBuilder sb, params string[] cells)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }
            var c = cells[i];
            if (c.AsSpan().IndexOfAny(",\"\n\r#") >= 0)
            {
                sb.Append('"').Append(c.Replace("\"", "\"\"")).Append('"');
            }
            else
            {
                sb.Append(c);
            }
        }
        sb.Append('\n');
    }
}
