using CallControl.Billing.Csv;
using CallControl.Billing.Rating;
using CallControl.Billing.Tariffs;
using NodaTime;
using Shouldly;
using Xunit;

namespace CallControl.Billing.Tests.Csv;

public class TariffCsvTests
{
    private const string Ams = "Europe/Amsterdam";
    private static readonly Instant Now = Books.Utc(2026, 3, 1, 12, 0);
    private static readonly TariffImportOptions AmsOptions = new("EUR", Ams);

    private static string Folder(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", name);

    private static TariffBook BookFrom(TariffImportResult result, Instant? effectiveFrom = null) =>
        TariffBook.From(result.ThrowIfInvalid().ToEvents(TariffBook.Empty, effectiveFrom ?? Books.Epoch, Now));

    private static RatedCall Rated(TariffBook book, string account, string to, Instant at, int seconds) =>
        Rater.Rate(book, account, to, at, Duration.FromSeconds(seconds)).ShouldBeOfType<RatedCall>();

    [Fact]
    public void Demo_folder_imports_and_rates()
    {
        var result = TariffCsv.ImportFolder(Folder("demo"));
        result.Errors.ShouldBeEmpty();
        result.Plans.Single().PlanId.ShouldBe("RP_DEFAULT");
        result.Plans[0].Definition.Destinations.SelectMany(d => d.Prefixes).ShouldBe(["44", "31"]); // '+' dropped
        var book = BookFrom(result);
        // +44 90s: 0.10 (first 60s) + 30/60*0.10 = 0.15
        Rated(book, "anyone", "+447700900123", Now, 90).Total.ShouldBe(0.15m);
        // +31 with 1.00 EUR: 3000s
        Rater.MaxDuration(book, "anyone", "31201234567", Now, 1.00m).Duration.ShouldBe(Duration.FromSeconds(3000));
    }

    [Fact]
    public void Amsterdam_folder_worked_examples()
    {
        var result = TariffCsv.ImportFolder(Folder("amsterdam"), AmsOptions);
        result.Errors.ShouldBeEmpty();
        result.Warnings.Single().ToString().ShouldBe("RatingProfiles.csv:4: Category: category 'sms' skipped: only 'call' is rated");
        // activation times without offset are Amsterdam local time
        result.Profiles.Select(p => p.ActivatesAt).ShouldBe([Books.Utc(2025, 12, 31, 23, 0), Books.Utc(2026, 2, 28, 23, 0)]);
        var book = BookFrom(result);

        // Wed 10:00 peak, 90s: fee 0.01 + 60s 0.06 + 30s (5 x 6s) 30/60*0.06 = 0.03 -> 0.10
        Rated(book, "x", "31201234567", Books.Local(Ams, 2026, 3, 25, 10, 0), 90).Total.ShouldBe(0.10m);
        // Sat 10:00 (week day 0;6 = weekend), 90s per second: fee 0.01 + 90/60*0.02 = 0.03 -> 0.04
        Rated(book, "x", "31201234567", Books.Local(Ams, 2026, 3, 28, 10, 0), 90).Total.ShouldBe(0.04m);
        // King's Day (Mon 27 April) 10:00, 60s: holiday 0.01/min beats peak -> 0.01
        Rated(book, "x", "31201234567", Books.Local(Ams, 2026, 4, 27, 10, 0), 60).Total.ShouldBe(0.01m);
        // mobile +316 (longest prefix), min 30s: 10s billed 30s at 0.12/min = 0.06
        Rated(book, "x", "31612345678", Books.Local(Ams, 2026, 3, 25, 10, 0), 10).Total.ShouldBe(0.06m);
        // premium: fee 0.50 + 10 min at 1.00 = 10.50, max 5.00 *disconnect -> 5.00
        var premium = Rated(book, "x", "31900123456", Books.Local(Ams, 2026, 3, 25, 10, 0), 600);
        premium.Total.ShouldBe(5.00m);
        premium.MaxCostReached.ShouldBeTrue();
        // prepaid to premium with 100.00: 0.50 + 4 min = 4.50 <= 5.00, a 5th minute would make 5.50 -> 240s
        var max = Rater.MaxDuration(book, "x", "31900123456", Books.Local(Ams, 2026, 3, 25, 10, 0), 100m);
        max.Duration.ShouldBe(Duration.FromSeconds(240));
        max.LimitedBy.ShouldBe(MaxDurationLimit.MaxCost);

        // acme rates with RP_UK from 1 March (local), falling back to *any for +31
        Rated(book, "acme", "447700900123", Books.Utc(2026, 3, 2, 12, 0), 90).Total.ShouldBe(0.15m);
        Rated(book, "acme", "31201234567", Books.Local(Ams, 2026, 3, 25, 10, 0), 90).PlanId.ShouldBe("RP_NL");
        Rater.Rate(book, "acme", "447700900123", Books.Utc(2026, 2, 27, 12, 0), Duration.FromSeconds(60))
            .ShouldBeOfType<NoRate>().Reason.ShouldBe(NoRateReason.NoDestination);
    }

    [Theory]
    [InlineData("demo")]
    [InlineData("amsterdam")]
    public void Import_of_export_round_trips(string folder)
    {
        var first = TariffCsv.ImportFolder(Folder(folder), AmsOptions).ThrowIfInvalid();
        var exported = TariffCsv.Export(first.Plans, first.Profiles, AmsOptions);
        var second = TariffCsv.Import(exported, AmsOptions).ThrowIfInvalid();

        second.Plans.Select(p => p.PlanId).ShouldBe(first.Plans.Select(p => p.PlanId));
        for (var i = 0; i < first.Plans.Count; i++)
        {
            TariffCsv.Canonical(second.Plans[i].Definition).ShouldBe(TariffCsv.Canonical(first.Plans[i].Definition));
        }
        second.Profiles.ShouldBe(first.Profiles);
        TariffCsv.Export(second.Plans, second.Profiles, AmsOptions).ShouldBe(exported);
    }

    [Fact]
    public void Export_of_a_book_to_a_folder_and_back_rates_the_same()
    {
        var original = BookFrom(TariffCsv.ImportFolder(Folder("amsterdam"), AmsOptions));
        var dir = Path.Combine(Path.GetTempPath(), "billing-export-" + Guid.NewGuid().ToString("N"));
        try
        {
            TariffCsv.Export(original, Now, AmsOptions).WriteFolder(dir);
            var reimported = BookFrom(TariffCsv.ImportFolder(dir, AmsOptions));
            var start = Books.Local(Ams, 2026, 3, 27, 18, 58);
            foreach (var (account, to) in new[] { ("x", "31201234567"), ("x", "31612345678"), ("x", "31906000000"), ("acme", "447700900123"), ("acme", "31201234567") })
            {
                foreach (var seconds in new[] { 0, 1, 59, 61, 125, 3600 })
                {
                    var a = Rater.Rate(original, account, to, start, Duration.FromSeconds(seconds));
                    var b = Rater.Rate(reimported, account, to, start, Duration.FromSeconds(seconds));
                    (b as RatedCall)?.Total.ShouldBe(((RatedCall)a).Total, $"{account} {to} {seconds}s");
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Importing_the_same_files_twice_adds_nothing_and_a_change_adds_a_version()
    {
        var files = TariffCsvFiles.ReadFolder(Folder("demo"));
        var first = TariffCsv.Import(files).ToEvents(TariffBook.Empty, Books.Epoch, Now);
        first.Count.ShouldBe(2); // one plan, one profile
        var book = TariffBook.From(first);
        TariffCsv.Import(files).ToEvents(book, Books.Epoch, Now).ShouldBeEmpty();

        var cheaper = files with { Rates = files.Rates.Replace("RT_NL,0,0.02", "RT_NL,0,0.01") };
        var changed = TariffCsv.Import(cheaper).ToEvents(book, Now, Now);
        var imported = changed.ShouldHaveSingleItem().ShouldBeOfType<TariffPlanImported>();
        imported.Version.ShouldBe(2);
        imported.EffectiveFrom.ShouldBe(Now);
    }

    // ---- errors name file, line and field --------------------------------------------------------

    public static TheoryData<string, string, string, string, int, string> BadFiles => new()
    {
        // file to change, text to replace, replacement, expected file, line, field
        { "Rates", "RT_NL,0,0.02,60s,1s,0s", "RT_NL,0,0.0x2,60s,1s,0s", "Rates.csv", 4, "Rate" },
        { "Rates", "RT_NL,0,0.02,60s,1s,0s", "RT_NL,0,0.02,60x,1s,0s", "Rates.csv", 4, "RateUnit" },
        { "Rates", "RT_NL,0,0.02,60s,1s,0s", "RT_NL,0,0.02,60s,0s,0s", "Rates.csv", 4, "RateIncrement" },
        { "Rates", "RT_NL,0,0.02,60s,1s,0s", "RT_NL,-1,0.02,60s,1s,0s", "Rates.csv", 4, "ConnectFee" },
        { "Rates", "RT_UK,0,0.10,60s,60s,0s", "RT_UK,0,0.10,60s,60s,5s", "Rates.csv", 2, "GroupIntervalStart" },
        { "Rates", "RT_UK,0,0.10,60s,1s,60s", "RT_UK,0,0.10,60s,1s,0s", "Rates.csv", 3, "GroupIntervalStart" },
        { "DestinationRates", "DR_NL,DST_NL,RT_NL", "DR_NL,DST_NL,RT_NX", "DestinationRates.csv", 3, "RatesTag" },
        { "DestinationRates", "DR_NL,DST_NL,RT_NL", "DR_NL,DST_XX,RT_NL", "DestinationRates.csv", 3, "DestinationId" },
        { "DestinationRates", "RT_NL,*up,4", "RT_NL,*sideways,4", "DestinationRates.csv", 3, "RoundingMethod" },
        { "DestinationRates", "RT_NL,*up,4", "RT_NL,*up,40", "DestinationRates.csv", 3, "RoundingDecimals" },
        { "DestinationRates", "RT_NL,*up,4,0,", "RT_NL,*up,4,1.00,", "DestinationRates.csv", 3, "MaxCostStrategy" },
        { "DestinationRates", "RT_NL,*up,4,0,", "RT_NL,*up,4,0,,soon", "DestinationRates.csv", 3, "MinDuration" },
        { "DestinationRates", "DR_NL,DST_NL,RT_NL,*up,4,0,", "DR_NL,DST_NL,RT_NL,*up,4,0,\nDR_NL,DST_UK,RT_UK,*up,4,0,", "DestinationRates.csv", 4, "Id" },
        { "Timings", "*any,00:00:00", "1;9,00:00:00", "Timings.csv", 2, "WeekDays" },
        { "Timings", "*any,00:00:00", "*any,25:00:00", "Timings.csv", 2, "Time" },
        { "Timings", "ALWAYS,*any,*any", "ALWAYS,*any,13", "Timings.csv", 2, "Months" },
        { "RatingPlans", "RP_DEFAULT,DR_NL,ALWAYS", "RP_DEFAULT,DR_NL,NEVER", "RatingPlans.csv", 3, "TimingTag" },
        { "RatingPlans", "RP_DEFAULT,DR_UK,", "RP_DEFAULT,DR_XX,", "RatingPlans.csv", 2, "DestinationRatesId" },
        { "RatingPlans", "DR_NL,ALWAYS,10", "DR_NL,ALWAYS,heavy", "RatingPlans.csv", 3, "Weight" },
        { "RatingProfiles", "2020-01-01T00:00:00Z", "yesterday", "RatingProfiles.csv", 2, "ActivationTime" },
        { "RatingProfiles", "Z,RP_DEFAULT", "Z,RP_NOPE", "RatingProfiles.csv", 2, "RatingPlanId" },
        { "Destinations", "DST_UK,+44", "DST_UK,+44a", "Destinations.csv", 2, "Prefix" },
        { "Destinations", "DST_UK,+44", "DST_UK", "Destinations.csv", 2, "Prefix" },
        { "Destinations", "DST_NL,+31", "\n# moved down\nDST_NL,31,extra", "Destinations.csv", 5, "Prefix" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Errors_name_file_line_and_field(string file, string find, string replace, string expectedFile, int line, string field)
    {
        var files = Change(TariffCsvFiles.ReadFolder(Folder("demo")), file, find, replace);
        var result = TariffCsv.Import(files);
        result.IsValid.ShouldBeFalse();
        result.Plans.ShouldBeEmpty();
        var error = result.Errors.ShouldHaveSingleItem();
        (error.File, error.Line, error.Field).ShouldBe((expectedFile, line, field), error.ToString());
    }

    [Fact]
    public void All_errors_are_reported_and_the_exception_lists_them()
    {
        var files = TariffCsvFiles.ReadFolder(Folder("demo"));
        files = Change(files, "Rates", "RT_NL,0,0.02", "RT_NL,0,zero");
        files = Change(files, "Timings", "00:00:00", "noon");
        var ex = Should.Throw<TariffImportException>(() => TariffCsv.Import(files).ThrowIfInvalid());
        ex.Errors.Select(e => e.ToString()).ShouldBe(
        [
            "Rates.csv:4: Rate: 'zero' is not a decimal number",
            "Timings.csv:2: Time: 'noon' is not a time of day HH:mm:ss",
        ]);
        ex.Message.ShouldContain("Rates.csv:4: Rate:");
    }

    [Fact]
    public void Unknown_time_zone_is_an_error()
    {
        var result = TariffCsv.ImportFolder(Folder("demo"), new TariffImportOptions(TimeZoneId: "Europe/Atlantis"));
        result.Errors.ShouldHaveSingleItem().Field.ShouldBe("TimeZone");
    }

    [Fact]
    public void Export_refuses_an_id_with_two_meanings()
    {
        var a = new ImportedPlan("A", new PlanBuilder().Simple("31", PlanBuilder.Slot(0.02m, 60, 1)).Build());
        var b = new ImportedPlan("B", new PlanBuilder().Simple("31", PlanBuilder.Slot(0.03m, 60, 1)).Build());
        var ex = Should.Throw<TariffExportException>(() => TariffCsv.Export([a, b], []));
        ex.File.ShouldBe("Rates.csv");
        ex.Id.ShouldBe("RT_31");
    }

    private static TariffCsvFiles Change(TariffCsvFiles files, string file, string find, string replace)
    {
        string Apply(string text)
        {
            text.ShouldContain(find);
            return text.Replace(find, replace);
        }
        return file switch
        {
            "Destinations" => files with { Destinations = Apply(files.Destinations) },
            "Rates" => files with { Rates = Apply(files.Rates) },
            "DestinationRates" => files with { DestinationRates = Apply(files.DestinationRates) },
            "Timings" => files with { Timings = Apply(files.Timings) },
            "RatingPlans" => files with { RatingPlans = Apply(files.RatingPlans) },
            "RatingProfiles" => files with { RatingProfiles = Apply(files.RatingProfiles) },
            _ => throw new ArgumentOutOfRangeException(nameof(file)),
        };
    }
}
