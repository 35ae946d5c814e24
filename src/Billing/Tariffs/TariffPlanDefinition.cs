using CallControl.Billing.Money;
using NodaTime;

namespace CallControl.Billing.Tariffs;

/// <summary>
/// One self-contained tariff plan (CGRateS "RatingPlan" with everything it references), as carried by
/// <see cref="TariffPlanImported"/>. Ids are the CSV ids; prefixes are E.164 digits without '+'.
/// </summary>
/// <param name="Currency">ISO 4217 code every price in the plan is in.</param>
/// <param name="TimeZoneId">TZDB id the timings (weekday, time of day, holidays) are read in.</param>
public sealed record TariffPlanDefinition(
    string Currency,
    string TimeZoneId,
    IReadOnlyList<DestinationDefinition> Destinations,
    IReadOnlyList<RateDefinition> Rates,
    IReadOnlyList<DestinationRateDefinition> DestinationRates,
    IReadOnlyList<TimingDefinition> Timings,
    IReadOnlyList<RatingPlanEntry> Entries);

/// <summary>A named set of prefixes (Destinations.csv). The empty prefix (<c>*any</c>) matches every number.</summary>
public sealed record DestinationDefinition(string Id, IReadOnlyList<string> Prefixes);

/// <summary>A rate: one or more slots by group interval start (Rates.csv rows sharing an id).</summary>
public sealed record RateDefinition(string Id, IReadOnlyList<RateSlot> Slots);

/// <summary>
/// From <paramref name="GroupIntervalStart"/> into the call, the call is billed in steps of
/// <paramref name="Increment"/>, each step costing <c>Price * Increment / Unit</c>.
/// Only the connect fee of the first slot (group start 0) is charged.
/// </summary>
public sealed record RateSlot(decimal ConnectFee, decimal Price, Duration Unit, Duration Increment, Duration GroupIntervalStart);

/// <summary>What to do when a call reaches <see cref="DestinationRateDefinition.MaxCost"/>.</summary>
public enum MaxCostStrategy
{
    /// <summary>No maximum cost.</summary>
    None,
    /// <summary>The cost is capped; the rest of the call is free (CGRateS <c>*free</c>).</summary>
    Cap,
    /// <summary>The call must be cut when the maximum is reached (CGRateS <c>*disconnect</c>); prepaid
    /// grants stop there, and a call that ran longer is still charged the maximum only.</summary>
    Disconnect,
}

/// <summary>Binds a destination to a rate with rounding, maximum cost and minimum duration (DestinationRates.csv).</summary>
/// <param name="MinimumDuration">Extension column (not in CGRateS): answered calls shorter than this are billed as this long.</param>
public sealed record DestinationRateDefinition(
    string Id,
    string DestinationId,
    string RateId,
    RoundingRule Rounding,
    decimal MaxCost,
    MaxCostStrategy MaxCostStrategy,
    Duration MinimumDuration);

/// <summary>
/// When an entry applies (Timings.csv). Empty lists mean "any". Week days are ISO (1 = Monday .. 7 = Sunday).
/// An entry applies from <see cref="Start"/> on a matching day until another entry of the same destination
/// takes over. Timings with specific month days (or years) are holidays and take precedence over the others.
/// </summary>
public sealed record TimingDefinition(
    string Id,
    IReadOnlyList<int> Years,
    IReadOnlyList<int> Months,
    IReadOnlyList<int> MonthDays,
    IReadOnlyList<int> WeekDays,
    LocalTime Start)
{
    public bool IsHoliday => MonthDays.Count > 0 || Years.Count > 0;

    /// <summary>The CGRateS built-in timing that always applies.</summary>
    public static TimingDefinition Always(string id) => new(id, [], [], [], [], LocalTime.Midnight);
}

/// <summary>One RatingPlans.csv row: a destination rate applies at a timing, with a weight (higher wins).</summary>
public sealed record RatingPlanEntry(string DestinationRateId, string TimingId, decimal Weight);
