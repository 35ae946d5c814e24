using CallControl.Billing.Csv;
using CallControl.Billing.Money;
using CallControl.Billing.Tariffs;
using CsCheck;
using NodaTime;
using Shouldly;
using Xunit;

namespace CallControl.Billing.Tests.Csv;

public class TariffCsvProperties
{
    private static readonly Gen<RateSlot[]> GenSlots =
        Gen.Select(Gen.Int[0, 100_000], Gen.Int[0, 500], Gen.Int[1, 3600], Gen.Int[1, 120], Gen.Int[1, 3], Gen.Int[1, 300])
            .Select((price, fee, unit, increment, slots, groupStep) => Enumerable.Range(0, slots)
                .Select(i => new RateSlot(i == 0 ? fee / 100m : 0m, price / 10_000m, Duration.FromSeconds(unit),
                    Duration.FromMilliseconds(increment * 500L), Duration.FromSeconds(i * groupStep)))
                .ToArray());

    private static readonly Gen<TimingDefinition> GenTiming =
        Gen.Select(Gen.Int[1, 12].Array[0, 2], Gen.Int[1, 28].Array[0, 2], Gen.Int[0, 7].Array[0, 3], Gen.Int[0, 86399])
            .Select((months, days, weekDays, seconds) => new TimingDefinition("T", [], months.Distinct().ToArray(), days.Distinct().ToArray(),
                weekDays.Distinct().ToArray(), LocalTime.FromSecondsSinceMidnight(seconds)));

    /// <summary>Plans with 1..4 destination rates, each its own destination (or *any), rate and timing.</summary>
    private static readonly Gen<TariffPlanDefinition> GenPlan =
        Gen.Select(GenSlots, GenTiming, Gen.Int[1, 99_999].Array[1, 3], Gen.Enum<RoundingMethod>(), Gen.Int[0, 6],
                Gen.Int[0, 1000], Gen.Enum<MaxCostStrategy>(), Gen.Int[0, 120])
            .Select((slots, timing, prefixes, method, decimals, maxCost, strategy, minimum) => (slots, timing, prefixes, method, decimals, maxCost, strategy, minimum))
            .Array[1, 4]
            .Select(items =>
            {
                var destinations = new List<DestinationDefinition>();
                var rates = new List<RateDefinition>();
                var drs = new List<DestinationRateDefinition>();
                var timings = new List<TimingDefinition>();
                var entries = new List<RatingPlanEntry>();
                for (var i = 0; i < items.Length; i++)
                {
                    var x = items[i];
                    var destinationId = i == 3 ? TariffConventions.Any : $"DST_{i}";
                    if (destinationId != TariffConventions.Any)
                    {
                        destinations.Add(new DestinationDefinition(destinationId, [.. x.prefixes.Select(p => p.ToString()).Distinct()]));
                    }
                    rates.Add(new RateDefinition($"RT_{i}", x.slots));
                    var capped = x.strategy != MaxCostStrategy.None && x.maxCost > 0;
                    drs.Add(new DestinationRateDefinition($"DR_{i}", destinationId, $"RT_{i}", new RoundingRule(x.method, x.decimals),
                        capped ? x.maxCost / 100m : 0m, capped ? x.strategy : MaxCostStrategy.None, Duration.FromSeconds(x.minimum)));
                    if (i % 2 == 0)
                    {
                        timings.Add(x.timing with { Id = $"T_{i}" });
                    }
                    entries.Add(new RatingPlanEntry($"DR_{i}", i % 2 == 0 ? $"T_{i}" : "*any", 10 + i)); // odd: built-in timing
                }
                return new TariffPlanDefinition("EUR", "Europe/Amsterdam", destinations, rates, drs, timings, entries);
            });

    [Fact]
    public void Import_of_export_is_the_same_plan() =>
        GenPlan.Sample(plan =>
        {
            var options = new TariffImportOptions("EUR", "Europe/Amsterdam");
            var profiles = new[] { new RatingProfileRow("*any", "RP", Books.Epoch, null), new RatingProfileRow("acc", "RP", Books.Utc(2026, 1, 1, 0, 0, 1), "*any") };
            var files = TariffCsv.Export([new ImportedPlan("RP", plan)], profiles, options);
            var back = TariffCsv.Import(files, options);
            back.Errors.ShouldBeEmpty(string.Join("\n", back.Errors));
            TariffCsv.Canonical(back.Plans.Single().Definition).ShouldBe(TariffCsv.Canonical(plan));
            back.Profiles.ShouldBe(profiles);
        }, iter: 300);
}
