using CallControl.Billing.Money;
using CallControl.Billing.Tariffs;
using NodaTime;

namespace CallControl.Billing.Csv;

/// <summary>Reads the six files, checks every cell and every reference, and assembles self-contained plans.</summary>
internal sealed class TariffCsvImporter(TariffImportOptions options)
{
    private readonly List<TariffImportError> _errors = [];
    private readonly List<TariffImportError> _warnings = [];

    // Ids whose rows had errors: references to them are not reported again (one mistake, one error).
    private readonly HashSet<string> _brokenDestinations = new(StringComparer.Ordinal);
    private readonly HashSet<string> _brokenRates = new(StringComparer.Ordinal);
    private readonly HashSet<string> _brokenDestinationRates = new(StringComparer.Ordinal);
    private readonly HashSet<string> _brokenTimings = new(StringComparer.Ordinal);
    private readonly HashSet<string> _brokenPlans = new(StringComparer.Ordinal);

    private sealed record Located<T>(T Value, CsvRow Row);

    public TariffImportResult Import(TariffCsvFiles files)
    {
        var zone = CsvRows.Zone(options.Zone);
        if (zone is null)
        {
            _errors.Add(new TariffImportError("(options)", 0, "TimeZone", $"unknown TZDB zone '{options.Zone}'"));
            return Result([], []);
        }
        if (string.IsNullOrWhiteSpace(options.Currency))
        {
            _errors.Add(new TariffImportError("(options)", 0, "Currency", "is empty"));
            return Result([], []);
        }

        var destinations = ReadDestinations(files.Destinations);
        var rates = ReadRates(files.Rates);
        var destinationRates = ReadDestinationRates(files.DestinationRates, destinations, rates);
        var timings = ReadTimings(files.Timings);
        var planRows = ReadRatingPlans(files.RatingPlans, destinationRates, timings);
        var plans = Assemble(planRows, destinations, rates, destinationRates, timings);
        var profiles = ReadProfiles(files.RatingProfiles, planRows, zone);
        return Result(plans, profiles);
    }

    private TariffImportResult Result(List<ImportedPlan> plans, List<RatingProfileRow> profiles) =>
        _errors.Count == 0
            ? new TariffImportResult(plans, profiles, [], _warnings)
            : new TariffImportResult([], [], _errors, _warnings);

    private Dictionary<string, Located<List<string>>> ReadDestinations(string text)
    {
        var result = new Dictionary<string, Located<List<string>>>(StringComparer.Ordinal);
        foreach (var row in CsvRows.Read(TariffCsvFiles.DestinationsFile, text, TariffCsv.DestinationColumns, 2, _errors, _brokenDestinations))
        {
            var id = row.Required(0);
            var prefix = row.ParseRef(1, CsvValues.Prefix);
            if (id.Length == 0 || prefix is null)
            {
                _brokenDestinations.Add(id);
                continue;
            }
            if (id == TariffConventions.Any)
            {
                row.Error(0, "'*any' is reserved (it matches every destination)");
                continue;
            }
            if (!result.TryGetValue(id, out var located))
            {
                located = new Located<List<string>>([], row);
                result[id] = located;
            }
            if (located.Value.Contains(prefix))
            {
                row.Error(1, $"prefix '{prefix}' is listed twice for destination '{id}'");
                continue;
            }
            located.Value.Add(prefix);
        }
        return result;
    }

    private Dictionary<string, List<Located<RateSlot>>> ReadRates(string text)
    {
        var result = new Dictionary<string, List<Located<RateSlot>>>(StringComparer.Ordinal);
        foreach (var row in CsvRows.Read(TariffCsvFiles.RatesFile, text, TariffCsv.RateColumns, 6, _errors, _brokenRates))
        {
            var id = row.Required(0);
            var fee = row.Parse<decimal>(1, CsvValues.Decimal);
            var price = row.Parse<decimal>(2, CsvValues.Decimal);
            var unit = row.Parse<Duration>(3, CsvValues.Duration);
            var increment = row.Parse<Duration>(4, CsvValues.Duration);
            var groupStart = row.Parse<Duration>(5, CsvValues.Duration);
            if (fee < 0)
            {
                row.Error(1, "must not be negative");
            }
            if (price < 0)
            {
                row.Error(2, "must not be negative");
            }
            if (unit <= Duration.Zero)
            {
                row.Error(3, "must be longer than 0");
            }
            if (increment <= Duration.Zero)
            {
                row.Error(4, "must be longer than 0");
            }
            if (id.Length == 0 || fee is not >= 0 || price is not >= 0 || unit is not { } u || u <= Duration.Zero
                || increment is not { } inc || inc <= Duration.Zero || groupStart is not { } g)
            {
                _brokenRates.Add(id);
                continue;
            }
            if (!result.TryGetValue(id, out var slots))
            {
                slots = [];
                result[id] = slots;
            }
            if (slots.Any(s => s.Value.GroupIntervalStart == g))
            {
                row.Error(5, $"rate '{id}' already has a slot starting at {CsvValues.Format(g)}");
                continue;
            }
            slots.Add(new Located<RateSlot>(new RateSlot(fee.Value, price.Value, u, inc, g), row));
        }
        foreach (var (id, slots) in result)
        {
            if (!slots.Any(s => s.Value.GroupIntervalStart == Duration.Zero))
            {
                slots[0].Row.Error(5, $"rate '{id}' has no slot starting at 0s");
            }
        }
        return result;
    }

    private Dictionary<string, Located<DestinationRateDefinition>> ReadDestinationRates(
        string text, Dictionary<string, Located<List<string>>> destinations, Dictionary<string, List<Located<RateSlot>>> rates)
    {
        var result = new Dictionary<string, Located<DestinationRateDefinition>>(StringComparer.Ordinal);
        foreach (var row in CsvRows.Read(TariffCsvFiles.DestinationRatesFile, text, TariffCsv.DestinationRateColumns, 7, _errors, _brokenDestinationRates))
        {
            var id = row.Required(0);
            var destinationId = row.Required(1);
            var rateId = row.Required(2);
            var method = row.Parse<RoundingMethod>(3, CsvValues.Rounding);
            var decimals = row.Parse<int>(4, (string t, out string? e) => CsvValues.Int(t, 0, 10, out e));
            var maxCost = row.Text(5).Length == 0 ? 0m : row.Parse<decimal>(5, CsvValues.Decimal);
            MaxCostStrategy? strategy = null;
            if (maxCost is { } mc)
            {
                if (mc < 0)
                {
                    row.Error(5, "must not be negative");
                }
                strategy = row.Parse<MaxCostStrategy>(6, (string t, out string? e) => CsvValues.Strategy(t, mc, out e));
            }
            var minimum = row.Text(7).Length == 0 ? Duration.Zero : row.Parse<Duration>(7, CsvValues.Duration);
            if (destinationId.Length > 0 && destinationId != TariffConventions.Any && !destinations.ContainsKey(destinationId)
                && !_brokenDestinations.Contains(destinationId))
            {
                row.Error(1, $"unknown destination '{destinationId}' (not in {TariffCsvFiles.DestinationsFile})");
            }
            if (rateId.Length > 0 && !rates.ContainsKey(rateId) && !_brokenRates.Contains(rateId))
            {
                row.Error(2, $"unknown rate '{rateId}' (not in {TariffCsvFiles.RatesFile})");
            }
            if (id.Length == 0 || destinationId.Length == 0 || rateId.Length == 0 || method is null || decimals is null
                || maxCost is not >= 0 || strategy is null || minimum is null
                || (destinationId != TariffConventions.Any && !destinations.ContainsKey(destinationId)) || !rates.ContainsKey(rateId))
            {
                _brokenDestinationRates.Add(id);
                continue;
            }
            if (result.ContainsKey(id))
            {
                row.Error(0, $"destination rate '{id}' is defined twice");
                continue;
            }
            result[id] = new Located<DestinationRateDefinition>(new DestinationRateDefinition(
                id, destinationId, rateId, new RoundingRule(method.Value, decimals.Value), maxCost.Value, strategy.Value, minimum.Value), row);
        }
        return result;
    }

    private Dictionary<string, Located<TimingDefinition>> ReadTimings(string text)
    {
        var result = new Dictionary<string, Located<TimingDefinition>>(StringComparer.Ordinal);
        foreach (var row in CsvRows.Read(TariffCsvFiles.TimingsFile, text, TariffCsv.TimingColumns, 6, _errors, _brokenTimings))
        {
            var id = row.Required(0);
            var years = row.ParseRef(1, (string t, out string? e) => CsvValues.IntList(t, 1900, 9999, out e));
            var months = row.ParseRef(2, (string t, out string? e) => CsvValues.IntList(t, 1, 12, out e));
            var monthDays = row.ParseRef(3, (string t, out string? e) => CsvValues.IntList(t, 1, 31, out e));
            var weekDays = row.ParseRef(4, (string t, out string? e) => CsvValues.IntList(t, 0, 7, out e));
            var time = row.Parse<LocalTime>(5, CsvValues.Time);
            if (id.Length == 0 || years is null || months is null || monthDays is null || weekDays is null || time is null)
            {
                _brokenTimings.Add(id);
                continue;
            }
            if (result.ContainsKey(id))
            {
                row.Error(0, $"timing '{id}' is defined twice");
                continue;
            }
            result[id] = new Located<TimingDefinition>(new TimingDefinition(id, years, months, monthDays, weekDays, time.Value), row);
        }
        return result;
    }

    private Dictionary<string, List<Located<RatingPlanEntry>>> ReadRatingPlans(
        string text, Dictionary<string, Located<DestinationRateDefinition>> destinationRates, Dictionary<string, Located<TimingDefinition>> timings)
    {
        var result = new Dictionary<string, List<Located<RatingPlanEntry>>>(StringComparer.Ordinal);
        foreach (var row in CsvRows.Read(TariffCsvFiles.RatingPlansFile, text, TariffCsv.RatingPlanColumns, 4, _errors, _brokenPlans))
        {
            var id = row.Required(0);
            var drId = row.Required(1);
            var timingId = row.Required(2);
            var weight = row.Parse<decimal>(3, CsvValues.Decimal);
            var knownDr = destinationRates.ContainsKey(drId);
            var knownTiming = timings.ContainsKey(timingId) || TariffConventions.IsAlwaysTiming(timingId);
            if (drId.Length > 0 && !knownDr && !_brokenDestinationRates.Contains(drId))
            {
                row.Error(1, $"unknown destination rate '{drId}' (not in {TariffCsvFiles.DestinationRatesFile})");
            }
            if (timingId.Length > 0 && !knownTiming && !_brokenTimings.Contains(timingId))
            {
                row.Error(2, $"unknown timing '{timingId}' (not in {TariffCsvFiles.TimingsFile})");
            }
            if (id.Length == 0 || !knownDr || !knownTiming || weight is null)
            {
                _brokenPlans.Add(id);
                continue;
            }
            if (!result.TryGetValue(id, out var entries))
            {
                entries = [];
                result[id] = entries;
            }
            entries.Add(new Located<RatingPlanEntry>(new RatingPlanEntry(drId, timingId, weight.Value), row));
        }
        return result;
    }

    private List<ImportedPlan> Assemble(
        Dictionary<string, List<Located<RatingPlanEntry>>> planRows,
        Dictionary<string, Located<List<string>>> destinations,
        Dictionary<string, List<Located<RateSlot>>> rates,
        Dictionary<string, Located<DestinationRateDefinition>> destinationRates,
        Dictionary<string, Located<TimingDefinition>> timings)
    {
        var plans = new List<ImportedPlan>();
        if (_errors.Count > 0)
        {
            return plans; // references may be missing; the errors already say why
        }
        foreach (var (planId, entries) in planRows)
        {
            var drs = new List<DestinationRateDefinition>();
            var dests = new List<DestinationDefinition>();
            var rateDefs = new List<RateDefinition>();
            var timingDefs = new List<TimingDefinition>();
            foreach (var entry in entries)
            {
                var dr = destinationRates[entry.Value.DestinationRateId].Value;
                if (!drs.Contains(dr))
                {
                    drs.Add(dr);
                    if (dr.DestinationId != TariffConventions.Any && dests.All(d => d.Id != dr.DestinationId))
                    {
                        dests.Add(new DestinationDefinition(dr.DestinationId, [.. destinations[dr.DestinationId].Value]));
                    }
                    if (rateDefs.All(r => r.Id != dr.RateId))
                    {
                        rateDefs.Add(new RateDefinition(dr.RateId, [.. rates[dr.RateId].Select(s => s.Value).OrderBy(s => s.GroupIntervalStart)]));
                    }
                }
                if (timings.TryGetValue(entry.Value.TimingId, out var timing) && !timingDefs.Contains(timing.Value))
                {
                    timingDefs.Add(timing.Value);
                }
            }
            var definition = new TariffPlanDefinition(options.Currency, options.Zone, dests, rateDefs, drs, timingDefs,
                [.. entries.Select(e => e.Value)]);
            try
            {
                _ = new Rating.CompiledPlan(planId, 0, definition);
                plans.Add(new ImportedPlan(planId, definition));
            }
            catch (TariffDefinitionException ex)
            {
                entries[0].Row.Error(0, ex.Message);
            }
        }
        plans.Sort((a, b) => string.CompareOrdinal(a.PlanId, b.PlanId));
        return plans;
    }

    private List<RatingProfileRow> ReadProfiles(string text, Dictionary<string, List<Located<RatingPlanEntry>>> planRows, DateTimeZone zone)
    {
        var result = new List<RatingProfileRow>();
        foreach (var row in CsvRows.Read(TariffCsvFiles.RatingProfilesFile, text, TariffCsv.RatingProfileColumns, 5, _errors, []))
        {
            var category = row.Text(1);
            if (category != "call")
            {
                _warnings.Add(new TariffImportError(row.File, row.Line, "Category", $"category '{category}' skipped: only 'call' is rated"));
                continue;
            }
            var subject = row.Required(2);
            var activation = row.Parse<Instant>(3, (string t, out string? e) => CsvValues.Activation(t, zone, out e));
            var planId = row.Required(4);
            var fallback = row.Text(5);
            if (planId.Length > 0 && !planRows.ContainsKey(planId) && !_brokenPlans.Contains(planId)
                && options.KnownPlanIds?.Contains(planId) != true)
            {
                row.Error(4, $"unknown rating plan '{planId}' (not in {TariffCsvFiles.RatingPlansFile})");
                continue;
            }
            if (subject.Length == 0 || planId.Length == 0 || activation is null)
            {
                continue;
            }
            result.Add(new RatingProfileRow(subject, planId, activation.Value, fallback.Length == 0 ? null : fallback));
        }
        return result;
    }
}
