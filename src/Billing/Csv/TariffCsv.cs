using System.Text;
using CallControl.Billing.Money;
using CallControl.Billing.Tariffs;
using NodaTime;

namespace CallControl.Billing.Csv;

/// <summary>
/// Import and export of the CGRateS tariff-plan files (Destinations, Rates, DestinationRates, Timings, RatingPlans,
/// RatingProfiles). Lines starting with '#' are comments (the header). Differences from CGRateS:
/// <list type="bullet">
/// <item>DestinationRates.csv may have an 8th column, MinDuration (our minimum billed duration; empty = none).</item>
/// <item>A bare number in a duration column is seconds. MaxCostStrategy <c>*free</c> caps the cost.</item>
/// <item>Prefixes are stored without '+'. RatingProfiles Tenant is ignored; only Category <c>call</c> is imported.</item>
/// <item>Timings are read in the import time zone (UTC by default); week days 1..7 = Monday..Sunday, 0 = Sunday.</item>
/// </list>
/// </summary>
public static class TariffCsv
{
    internal static readonly string[] DestinationColumns = ["Id", "Prefix"];
    internal static readonly string[] RateColumns = ["Id", "ConnectFee", "Rate", "RateUnit", "RateIncrement", "GroupIntervalStart"];
    internal static readonly string[] DestinationRateColumns = ["Id", "DestinationId", "RatesTag", "RoundingMethod", "RoundingDecimals", "MaxCost", "MaxCostStrategy", "MinDuration"];
    internal static readonly string[] TimingColumns = ["Tag", "Years", "Months", "MonthDays", "WeekDays", "Time"];
    internal static readonly string[] RatingPlanColumns = ["Id", "DestinationRatesId", "TimingTag", "Weight"];
    internal static readonly string[] RatingProfileColumns = ["Tenant", "Category", "Subject", "ActivationTime", "RatingPlanId", "RatesFallbackSubject"];

    public static TariffImportResult ImportFolder(string folder, TariffImportOptions? options = null) =>
        Import(TariffCsvFiles.ReadFolder(folder), options);

    public static TariffImportResult Import(TariffCsvFiles files, TariffImportOptions? options = null) =>
        new TariffCsvImporter(options ?? new TariffImportOptions()).Import(files);

    /// <summary>Writes the plan versions in force at <paramref name="at"/> and every profile assignment of the book.</summary>
    public static TariffCsvFiles Export(TariffBook book, Instant at, TariffImportOptions? options = null)
    {
        var plans = new List<ImportedPlan>();
        foreach (var id in book.PlanIds)
        {
            var version = book.PlanInForce(id, at);
            if (version is not null)
            {
                plans.Add(new ImportedPlan(id, version.Definition));
            }
        }
        var profiles = new List<RatingProfileRow>();
        foreach (var account in book.AccountIds)
        {
            foreach (var p in book.ProfilesOf(account))
            {
                profiles.Add(new RatingProfileRow(p.AccountId, p.PlanId, p.ActivatesAt, p.FallbackAccountId));
            }
        }
        return Export(plans, profiles, options);
    }

    /// <summary>Writes the six files. Ids shared by several plans must mean the same thing in each.</summary>
    public static TariffCsvFiles Export(IEnumerable<ImportedPlan> plans, IEnumerable<RatingProfileRow> profiles, TariffImportOptions? options = null)
    {
        options ??= new TariffImportOptions();
        var destinations = new Section(TariffCsvFiles.DestinationsFile, DestinationColumns);
        var rates = new Section(TariffCsvFiles.RatesFile, RateColumns);
        var destinationRates = new Section(TariffCsvFiles.DestinationRatesFile, DestinationRateColumns);
        var timings = new Section(TariffCsvFiles.TimingsFile, TimingColumns);
        var ratingPlans = new Section(TariffCsvFiles.RatingPlansFile, RatingPlanColumns);
        var ratingProfiles = new Section(TariffCsvFiles.RatingProfilesFile, RatingProfileColumns);

        foreach (var plan in plans)
        {
            var d = plan.Definition;
            foreach (var dest in d.Destinations)
            {
                destinations.Add(dest.Id, dest.Prefixes.Select(p => new[] { dest.Id, p }));
            }
            foreach (var rate in d.Rates)
            {
                rates.Add(rate.Id, rate.Slots.Select(s => new[]
                {
                    rate.Id, CsvValues.Format(s.ConnectFee), CsvValues.Format(s.Price), CsvValues.Format(s.Unit),
                    CsvValues.Format(s.Increment), CsvValues.Format(s.GroupIntervalStart),
                }));
            }
            foreach (var dr in d.DestinationRates)
            {
                destinationRates.Add(dr.Id, [[
                    dr.Id, dr.DestinationId, dr.RateId, CsvValues.Format(dr.Rounding.Method),
                    dr.Rounding.Decimals.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    CsvValues.Format(dr.MaxCost), CsvValues.Format(dr.MaxCostStrategy),
                    dr.MinimumDuration == Duration.Zero ? "" : CsvValues.Format(dr.MinimumDuration),
                ]]);
            }
            foreach (var t in d.Timings)
            {
                timings.Add(t.Id, [[
                    t.Id, CsvValues.Format(t.Years), CsvValues.Format(t.Months), CsvValues.Format(t.MonthDays),
                    CsvValues.Format(t.WeekDays), CsvValues.Format(t.Start),
                ]]);
            }
            ratingPlans.Add(plan.PlanId, d.Entries.Select(e => new[] { plan.PlanId, e.DestinationRateId, e.TimingId, CsvValues.Format(e.Weight) }));
        }
        foreach (var p in profiles)
        {
            ratingProfiles.Append([options.Tenant, "call", p.AccountId, CsvValues.Format(p.ActivatesAt), p.PlanId, p.FallbackAccountId ?? ""]);
        }
        return new TariffCsvFiles(destinations.Text, rates.Text, destinationRates.Text, timings.Text, ratingPlans.Text, ratingProfiles.Text);
    }

    /// <summary>A text that is equal for two definitions exactly when they rate the same.</summary>
    public static string Canonical(TariffPlanDefinition definition)
    {
        var files = Export([new ImportedPlan("_", definition)], []);
        return string.Join("\n", definition.Currency, definition.TimeZoneId, files.Destinations, files.Rates,
            files.DestinationRates, files.Timings, files.RatingPlans);
    }

    /// <summary>Rows of one file; an id is written once, and must not be written again with other rows.</summary>
    private sealed class Section
    {
        private readonly StringBuilder _text = new();
        private readonly Dictionary<string, string> _written = new(StringComparer.Ordinal);
        private readonly string _file;

        public Section(string file, string[] columns)
        {
            _file = file;
            _text.Append('#').Append(string.Join(',', columns)).Append('\n');
        }

        public string Text => _text.ToString();

        public void Add(string id, IEnumerable<string[]> rows)
        {
            var block = new StringBuilder();
            foreach (var row in rows)
            {
                CsvValues.Line(block, row);
            }
            var text = block.ToString();
            if (_written.TryGetValue(id, out var existing))
            {
                if (existing != text)
                {
                    throw new TariffExportException(_file, id, "written twice with different content by two plans");
                }
                return;
            }
            _written[id] = text;
            _text.Append(text);
        }

        public void Append(string[] row) => CsvValues.Line(_text, row);
    }
}
