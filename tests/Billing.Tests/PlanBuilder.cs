using CallControl.Billing.Money;
using CallControl.Billing.Tariffs;
using NodaTime;
using NodaTime.Text;

namespace CallControl.Billing.Tests;

/// <summary>Builds tariff plans in tests without CSV.</summary>
internal sealed class PlanBuilder(string currency = "EUR", string zone = "UTC")
{
    private readonly List<DestinationDefinition> _destinations = [];
    private readonly List<RateDefinition> _rates = [];
    private readonly List<DestinationRateDefinition> _destinationRates = [];
    private readonly List<TimingDefinition> _timings = [];
    private readonly List<RatingPlanEntry> _entries = [];

    public static RateSlot Slot(decimal price, int unitSeconds, int incrementSeconds, int groupStartSeconds = 0, decimal connectFee = 0m) =>
        new(connectFee, price, Duration.FromSeconds(unitSeconds), Duration.FromSeconds(incrementSeconds), Duration.FromSeconds(groupStartSeconds));

    public PlanBuilder Destination(string id, params string[] prefixes)
    {
        _destinations.Add(new DestinationDefinition(id, prefixes));
        return this;
    }

    public PlanBuilder Rate(string id, params RateSlot[] slots)
    {
        _rates.Add(new RateDefinition(id, slots));
        return this;
    }

    public PlanBuilder DestinationRate(string id, string destinationId, string rateId,
        RoundingMethod rounding = RoundingMethod.Up, int decimals = 4,
        decimal maxCost = 0m, MaxCostStrategy strategy = MaxCostStrategy.None, int minimumSeconds = 0)
    {
        _destinationRates.Add(new DestinationRateDefinition(id, destinationId, rateId, new RoundingRule(rounding, decimals),
            maxCost, strategy, Duration.FromSeconds(minimumSeconds)));
        return this;
    }

    /// <param name="weekDays">"1;2;3" or "" for any.</param>
    public PlanBuilder Timing(string id, string weekDays, string time, string monthDays = "", string months = "", string years = "")
    {
        _timings.Add(new TimingDefinition(id, Ints(years), Ints(months), Ints(monthDays), Ints(weekDays),
            LocalTimePattern.ExtendedIso.Parse(time).Value));
        return this;
    }

    public PlanBuilder Entry(string destinationRateId, string timingId = "*any", decimal weight = 10m)
    {
        _entries.Add(new RatingPlanEntry(destinationRateId, timingId, weight));
        return this;
    }

    /// <summary>Shorthand: destination + one-slot-or-more rate + destination rate + always entry.</summary>
    public PlanBuilder Simple(string prefix, params RateSlot[] slots)
    {
        Destination("DST_" + prefix, prefix);
        Rate("RT_" + prefix, slots);
        DestinationRate("DR_" + prefix, "DST_" + prefix, "RT_" + prefix);
        return Entry("DR_" + prefix);
    }

    public TariffPlanDefinition Build() =>
        new(currency, zone, [.. _destinations], [.. _rates], [.. _destinationRates], [.. _timings], [.. _entries]);

    private static int[] Ints(string list) =>
        list.Length == 0 ? [] : [.. list.Split(';').Select(int.Parse)];
}

internal static class Books
{
    public static readonly Instant Epoch = Instant.FromUtc(2020, 1, 1, 0, 0);

    /// <summary>A book where <paramref name="plan"/> is the default (<c>*any</c>) plan, version 1, in force since 2020.</summary>
    public static TariffBook Default(TariffPlanDefinition plan, string planId = "RP_DEFAULT") => TariffBook.From(
    [
        new TariffPlanImported(planId, 1, plan, Epoch, Epoch),
        new RatingProfileAssigned("*any", planId, Epoch, null, Epoch),
    ]);

    /// <summary>The demo plan: +44 at 0.10 EUR/min billed 60 s then per second; +31 at 0.02 EUR/min per second.</summary>
    public static TariffPlanDefinition Demo() => new PlanBuilder()
        .Simple("44", PlanBuilder.Slot(0.10m, 60, 60), PlanBuilder.Slot(0.10m, 60, 1, 60))
        .Simple("31", PlanBuilder.Slot(0.02m, 60, 1))
        .Build();

    public static Instant Utc(int y, int m, int d, int h, int min, int s = 0) => Instant.FromUtc(y, m, d, h, min, s);

    public static Instant Local(string zone, int y, int m, int d, int h, int min, int s = 0) =>
        new LocalDateTime(y, m, d, h, min, s).InZoneStrictly(DateTimeZoneProviders.Tzdb[zone]).ToInstant();
}
