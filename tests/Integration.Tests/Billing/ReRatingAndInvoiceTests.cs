using System.Diagnostics;
using CallControl.Billing.Accounts;
using CallControl.Billing.Csv;
using CallControl.Billing.Invoicing;
using CallControl.Billing.Rating;
using CallControl.Host.Billing;
using CallControl.Projections.Billing;
using CallControl.Tests.Infrastructure;
using Marten;
using NodaTime;
using Shouldly;
using Xunit.Abstractions;

namespace CallControl.Tests.Billing;

/// <summary>Re-rating, invoices and notes, reports, and rating throughput over the real event store.</summary>
public sealed class ReRatingAndInvoiceTests(StoreFixture fixture, ITestOutputHelper output) : IClassFixture<StoreFixture>
{
    private static readonly Instant Nov2 = Instant.FromUtc(2026, 11, 2, 9, 0);
    private static readonly Interval November = new(Instant.FromUtc(2026, 11, 1, 0, 0), Instant.FromUtc(2026, 12, 1, 0, 0));
    private const string Uk = "+442071234567";
    private const string Nl = "+31201234567";

    private static async Task ImportPlanAsync(BillingWorld world, string plan, string account, decimal nlPerMinute)
    {
        var outcome = await world.Admin.ImportTariffsAsync(TestTariffs.Folder(plan, account, nlPerMinute), new TariffImportOptions("EUR"), BillingStartup.DemoTariffsEffectiveFrom);
        outcome.IsValid.ShouldBeTrue(string.Join("; ", outcome.Errors));
        await world.Live.RefreshAsync();
    }

    [Fact]
    public async Task A_re_rating_after_an_invoice_becomes_a_credit_note_and_re_rating_twice_changes_nothing()
    {
        var world = await BillingWorld.CreateAsync(fixture, "inv");
        await world.OpenAsync("inv", AccountKind.Postpaid, creditLimit: 1000m);
        await ImportPlanAsync(world, "RP_INV", "inv", 0.02m);
        await world.PlaceCallAsync("call:inv-1;t", "inv", Nl, Nov2, Duration.FromSeconds(60));
        await world.PlaceCallAsync("call:inv-2;t", "inv", Nl, Nov2 + Duration.FromDays(1), Duration.FromSeconds(120));
        await world.PlaceCallAsync("call:inv-3;t", "inv", Nl, Nov2 + Duration.FromDays(2), Duration.FromSeconds(30));
        await world.PlaceCallAsync("call:inv-4;t", "inv", Uk, Nov2 + Duration.FromDays(2), Duration.FromSeconds(90));

        var issued = await world.Invoices.InvoiceAsync("inv", November);
        issued.InvoiceIsNew.ShouldBeTrue();
        issued.Invoice.Calls.Count.ShouldBe(4);
        issued.Invoice.Total.ShouldBe(0.02m + 0.04m + 0.01m + 0.15m);

        // +31 was overcharged: a corrected version, in force since before the calls.
        await ImportPlanAsync(world, "RP_INV", "inv", 0.01m);
        var dry = await world.ReRating.RunAsync(November, "inv", dryRun: true);
        dry.Changed.ShouldBe(3);
        dry.Applied.ShouldBeFalse();
        var run = await world.ReRating.RunAsync(November, "inv", dryRun: false);
        run.Changed.ShouldBe(3);
        run.Difference.ShouldBe(-0.035m);
        var twice = await world.ReRating.RunAsync(November, "inv", dryRun: false);
        twice.Changed.ShouldBe(0);
        twice.Calls.ShouldBe(4);

        var corrected = await world.Invoices.InvoiceAsync("inv", November);
        corrected.InvoiceIsNew.ShouldBeFalse();
        var note = corrected.Note.ShouldNotBeNull();
        note.Kind.ShouldBe("credit");
        note.InvoiceNumber.ShouldBe(issued.Invoice.Number);
        note.Lines.Count.ShouldBe(3);
        note.Lines.Sum(l => l.Difference).ShouldBe(-0.035m);
        note.Total.ShouldBe(RoundingRuleCents(-0.035m));
        (await world.Invoices.InvoiceAsync("inv", November)).Note.ShouldBeNull();

        // The issued invoice is never rewritten: one InvoiceIssued, same total; the note refers to it.
        var stream = await world.Log.AccountStreamAsync("inv");
        stream.OfType<InvoiceIssued>().ShouldHaveSingleItem().Total.ShouldBe(issued.Invoice.Total);
        stream.OfType<CreditNoteIssued>().ShouldHaveSingleItem();
        var view = (await world.Queries.InvoiceAsync(issued.Invoice.Number)).ShouldNotBeNull();
        view.Invoice.Total.ShouldBe(0.22m);
        view.Notes.ShouldHaveSingleItem().Total.ShouldBe(note.Total);
        var csv = new StringWriter();
        await BillingText.WriteInvoiceCsvAsync(csv, view.Invoice, view.Notes);
        csv.ToString().ShouldContain("credit-note-total");

        (await world.StoredAccountAsync("inv")).Balance.ShouldBe(-0.22m + 0.035m);
    }

    private static decimal RoundingRuleCents(decimal amount) => CallControl.Billing.Money.RoundingRule.Cents.Apply(amount);

    [Fact]
    public async Task Report_totals_equal_the_sum_of_the_rated_cdrs()
    {
        var world = await BillingWorld.CreateAsync(fixture, "rep");
        await world.OpenAsync("rep", AccountKind.Postpaid);
        await world.OpenAsync("rep2", AccountKind.Prepaid, balance: 50m);
        var talks = new[] { 5, 59, 60, 61, 125, 600, 1, 3599 };
        for (var i = 0; i < talks.Length; i++)
        {
            await world.PlaceCallAsync($"call:rep-{i};t", "rep", i % 2 == 0 ? Uk : Nl, Nov2 + Duration.FromHours(13 * i), Duration.FromSeconds(talks[i]));
            await world.PlaceCallAsync($"call:rep2-{i};t", "rep2", i % 3 == 0 ? Uk : Nl, Nov2 + Duration.FromHours(7 * i), Duration.FromSeconds(talks[i] + 3));
        }

        await using var session = world.Store.QuerySession();
        var rated = await session.Query<RatedCallView>().ToListAsync();
        rated.Count.ShouldBe(16);
        var report = await world.Queries.RatingReportAsync(November);
        report.Sum(r => r.Calls).ShouldBe(16);
        report.Sum(r => r.Cost).ShouldBe(rated.Sum(v => v.Amount));
        foreach (var account in new[] { "rep", "rep2" })
        {
            var mine = await world.Queries.RatingReportAsync(November, account);
            mine.ShouldAllBe(r => r.AccountId == account);
            mine.Sum(r => r.Cost).ShouldBe(rated.Where(v => v.AccountId == account).Sum(v => v.Amount));
            // and what the accounts were charged
            var charged = (await world.StoredAccountAsync(account)).Charged.Values.Sum();
            mine.Sum(r => r.Cost).ShouldBe(charged);
        }
        report.Select(r => (r.AccountId, r.Prefix, r.Day)).Distinct().Count().ShouldBe(report.Count);
        report.Select(r => r.Prefix).Distinct().ShouldBe(["+31", "+44"], ignoreOrder: true);

        var days = await world.Queries.CostPerDayAsync(November);
        days.Sum(d => d.Cost).ShouldBe(report.Sum(r => r.Cost));
        var html = BillingText.CostPerDayHtml(days, November, null);
        html.ShouldContain("<svg");
        html.ShouldContain(BillingText.Money(report.Sum(r => r.Cost)));
        var csv = new StringWriter();
        await BillingText.WriteReportCsvAsync(csv, report);
        csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(report.Count + 1);
    }

    [Fact]
    public async Task Rating_throughput_rerating_synthetic_calls()
    {
        const int n = 5000;
        var world = await BillingWorld.CreateAsync(fixture, "bulk");
        await ImportPlanAsync(world, "RP_BULK", "bulk", 0.02m);
        var book = world.Live.Book;
        var random = new Random(42);
        var calls = Enumerable.Range(0, n).Select(i => (Key: $"call:bulk-{i};t", To: i % 2 == 0 ? Uk : Nl,
            Start: Nov2 + Duration.FromSeconds(i * 37), Talk: Duration.FromMilliseconds(random.Next(1_000, 1_800_000)))).ToList();

        var watch = Stopwatch.StartNew();
        var ratedCalls = calls.Select(c => (c.Key, Rated: (RatedCall)Rater.Rate(book, "bulk", c.To, c.Start, c.Talk))).ToList();
        watch.Stop();
        var pure = n / watch.Elapsed.TotalSeconds;

        foreach (var chunk in ratedCalls.Chunk(1000))
        {
            await using var session = world.Store.LightweightSession();
            foreach (var (key, rated) in chunk) session.Events.Append(key, CallRated.From(key, rated, rated.Start + rated.Duration));
            await session.SaveChangesAsync();
        }

        await ImportPlanAsync(world, "RP_BULK", "bulk", 0.015m);
        watch.Restart();
        var run = await world.ReRating.RunAsync(November, "bulk", dryRun: false);
        watch.Stop();
        run.Calls.ShouldBe(n);
        run.Changed.ShouldBeGreaterThan(n / 3);
        var rerate = n / watch.Elapsed.TotalSeconds;
        watch.Restart();
        (await world.ReRating.RunAsync(November, "bulk", dryRun: false)).Changed.ShouldBe(0);
        watch.Stop();
        var second = n / watch.Elapsed.TotalSeconds;
        output.WriteLine($"THROUGHPUT rating in memory: {pure:0} calls/s; rerate with {run.Changed} CallReRated recorded: {rerate:0} rated CDRs/s ({n} calls); rerate with nothing to record: {second:0} rated CDRs/s");
    }

    [Fact]
    public async Task Re_rating_pages_through_more_calls_than_one_page_and_a_second_run_changes_nothing()
    {
        const int n = 2 * ReRatingService.PageSize + 1234;
        var world = await BillingWorld.CreateAsync(fixture, "pages");
        var seeded = await new RatedCallSeeder(world.Store, world.Admin, world.Log).SeedAsync("pages", n, Nov2);
        seeded.ShouldBe(n);
        // +31 from 0.02 to 0.01 per minute, in force before the calls: every second call (the +31 ones) changes.
        var folder = Directory.CreateTempSubdirectory("tariffs-").FullName;
        foreach (var file in Directory.GetFiles(BillingStartup.DemoTariffFolder))
            File.WriteAllText(Path.Combine(folder, Path.GetFileName(file)), File.ReadAllText(file).Replace("RT_NL,0,0.02,", "RT_NL,0,0.01,"));
        (await world.Admin.ImportTariffsAsync(folder, new TariffImportOptions("EUR"), BillingStartup.DemoTariffsEffectiveFrom)).IsValid.ShouldBeTrue();

        var reports = new List<(int Done, int Total)>();
        var period = new Interval(Nov2, Nov2 + Duration.FromDays(3));
        var run = await world.ReRating.RunAsync(period, "pages", dryRun: false, new SyncProgress(reports));
        run.Calls.ShouldBe(n);
        run.Changed.ShouldBe(n / 2);
        run.ChangedSample.Count.ShouldBe(ReRatingService.SampleSize);
        reports.Select(r => r.Done).ShouldBe([ReRatingService.PageSize, 2 * ReRatingService.PageSize, n]);
        reports.ShouldAllBe(r => r.Total == n);

        (await world.ReRating.RunAsync(period, "pages", dryRun: false)).Changed.ShouldBe(0);
        var views = await world.Queries.RatedCallsAsync(period, "pages");
        views.Sum(v => v.Amount).ShouldBe(views.Sum(v => v.RatedTotal) + run.Difference);
        views.Count(v => v.ReRatings == 1).ShouldBe(n / 2);
        var stored = await world.StoredAccountAsync("pages");
        stored.Balance.ShouldBe(-views.Sum(v => v.Amount));
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool, so its order is not defined).</summary>
    private sealed class SyncProgress(List<(int, int)> reports) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => reports.Add(value);
    }
}
