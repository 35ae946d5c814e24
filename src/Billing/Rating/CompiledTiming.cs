using CallControl.Billing.Tariffs;
using NodaTime;

namespace CallControl.Billing.Rating;

/// <summary>A timing as bit masks, so matching a date allocates nothing.</summary>
internal sealed class CompiledTiming
{
    private readonly int[] _years;
    private readonly int _months;      // bit m (1..12)
    private readonly long _monthDays;  // bit d (1..31)
    private readonly int _weekDays;    // bit d (ISO 1..7)

    public CompiledTiming(TimingDefinition definition, string planId)
    {
        Id = definition.Id;
        _years = [.. definition.Years];
        _months = Mask(definition.Months, 1, 12, planId, definition.Id, "month");
        _monthDays = MaskLong(definition.MonthDays, 1, 31, planId, definition.Id);
        _weekDays = Mask(definition.WeekDays.Select(d => d == 0 ? 7 : d).ToArray(), 1, 7, planId, definition.Id, "week day");
        StartMs = definition.Start.TickOfDay / NodaConstants.TicksPerMillisecond;
        IsHoliday = definition.IsHoliday;
    }

    public string Id { get; }
    public long StartMs { get; }
    public bool IsHoliday { get; }

    public bool Matches(LocalDate date)
    {
        if (_years.Length > 0 && Array.IndexOf(_years, date.Year) < 0)
        {
            return false;
        }
        return (_months == 0 || (_months & (1 << date.Month)) != 0)
            && (_monthDays == 0 || (_monthDays & (1L << date.Day)) != 0)
            && (_weekDays == 0 || (_weekDays & (1 << (int)date.DayOfWeek)) != 0);
    }

    private static int Mask(IReadOnlyList<int> values, int min, int max, string planId, string id, string what)
    {
        var mask = 0;
        foreach (var v in values)
        {
            if (v < min || v > max)
            {
                throw new TariffDefinitionException(planId, $"timing '{id}'", $"{what} {v} is outside {min}..{max}");
            }
            mask |= 1 << v;
        }
        return mask;
    }

    private static long MaskLong(IReadOnlyList<int> values, int min, int max, string planId, string id)
    {
        var mask = 0L;
        foreach (var v in values)
        {
            if (v < min || v > max)
            {
                throw new TariffDefinitionException(planId, $"timing '{id}'", $"month day {v} is outside {min}..{max}");
            }
            mask |= 1L << v;
        }
        return mask;
    }
}
