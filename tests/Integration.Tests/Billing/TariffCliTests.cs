using CallControl.Billing.Accounts;
using CallControl.Billing.Csv;
using CallControl.Billing.Rating;
using CallControl.Billing.Tariffs;
using CallControl.Host.Billing;
using CallControl.Host.Cli;
using CallControl.Projections.Billing;
using CallControl.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;
using Shouldly;
using Spectre.Console.Cli;

namespace CallControl.Tests.Billing;

/// <summary>Tariff import and export through the CLI command classes, the demo start-up, and the events' JSON round trip.</summary>
public sealed class TariffCliTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static async Task<int> RunCliAsync(IDocumentStore store, params string[] args)
    {
        var app = new CommandApp();
        app.Configure(BillingCommands.Register);
        var rc = await app.RunAsync([.. args, "--db", TestDatabase.ConnectionString, "--schema", store.Options.DatabaseSchemaName]);
        return rc == -1 ? 2 : rc;
    }

    private static TariffBook BookOf(IDocumentStore store) => new BillingLog(store).LoadAsync().GetAwaiter().GetResult().Book;

    [Fact]
    public async Task Tariffs_imported_with_the_cli_export_and_import_back_unchanged()
    {
        var first = await fixture.NewStoreAsync("csv1");
        (await RunCliAsync(first, "tariffs", "import", BillingStartup.DemoTariffFolder, "--effective-from", "2020-01-01T00:00:00Z")).ShouldBe(0);
        var exported = Directory.CreateTempSubdirectory("export-a-").FullName;
        (await RunCliAsync(first, "tariffs", "export", exported)).ShouldBe(0);

        // Importing the export into the same store records nothing: it is the same tariff.
        var admin = new BillingAdmin(first, new BillingLog(first), SystemClock.Instance);
        (await admin.ImportTariffsAsync(exported, new TariffImportOptions("EUR"), dryRun: true)).Events.ShouldBeEmpty();
        (await RunCliAsync(first, "tariffs", "import", BillingStartup.DemoTariffFolder)).ShouldBe(0);
        BookOf(first).LatestVersion("RP_DEFAULT").ShouldBe(1);

        // Into a fresh store, and out again: the same files, and the same prices.
        var second = await fixture.NewStoreAsync("csv2");
        (await RunCliAsync(second, "tariffs", "import", exported, "--effective-from", "2020-01-01T00:00:00Z")).ShouldBe(0);
        var again = Directory.CreateTempSubdirectory("export-b-").FullName;
        (await RunCliAsync(second, "tariffs", "export", again)).ShouldBe(0);
        foreach (var file in Directory.GetFiles(exported).Select(Path.GetFileName))
            (await File.ReadAllTextAsync(Path.Combine(again, file!))).ShouldBe(await File.ReadAllTextAsync(Path.Combine(exported, file!)), file);

        var at = Instant.FromUtc(2026, 11, 26, 9, 0);
        foreach (var number in new[] { "+442071234567", "+31201234567" })
            ((RatedCall)Rater.Rate(BookOf(second), "acme", number, at, Duration.FromSeconds(95))).Total
                .ShouldBe(((RatedCall)Rater.Rate(BookOf(first), "acme", number, at, Duration.FromSeconds(95))).Total);
    }

    [Fact]
    public async Task A_bad_tariff_file_exits_2_records_nothing_and_the_error_names_file_line_and_field()
    {
        var store = await fixture.NewStoreAsync("csvbad");
        var folder = TestTariffs.Folder("RP_BAD", "bad", 0.02m);
        File.WriteAllText(Path.Combine(folder, "Rates.csv"), "#Id,ConnectFee,Rate,RateUnit,RateIncrement,GroupIntervalStart\nRP_BAD_RT_UK,0,abc,60s,60s,0s\n");

        (await RunCliAsync(store, "tariffs", "import", folder)).ShouldBe(2);
        (await RunCliAsync(store, "tariffs", "import", "/no/such/folder")).ShouldBe(2);
        (await RunCliAsync(store, "tariffs", "import", folder, "--zone", "Mars/Olympus")).ShouldBe(2);

        var outcome = await new BillingAdmin(store, new BillingLog(store), SystemClock.Instance).ImportTariffsAsync(folder, new TariffImportOptions("EUR"));
        outcome.IsValid.ShouldBeFalse();
        outcome.Errors.ShouldContain(e => e.File == "Rates.csv" && e.Line == 2 && e.Field == "Rate");
        (await new BillingLog(store).ReadAsync(0)).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_demo_billing_is_loaded_once_however_often_the_controller_starts()
    {
        var store = await fixture.NewStoreAsync("demo");
        var log = new BillingLog(store);
        var admin = new BillingAdmin(store, log, SystemClock.Instance);
        await BillingStartup.LoadDemoAsync(admin, NullLogger.Instance);
        var count = (await log.ReadAsync(0)).Count;
        await BillingStartup.LoadDemoAsync(admin, NullLogger.Instance);
        (await log.ReadAsync(0)).Count.ShouldBe(count);

        var state = await log.LoadAsync();
        state.Accounts["acme"].Kind.ShouldBe(AccountKind.Postpaid);
        state.Accounts["acme"].CreditLimit.ShouldBe(1000m);
        state.Accounts["globex"].Kind.ShouldBe(AccountKind.Prepaid);
        state.Accounts["globex"].Balance.ShouldBe(1.00m);
        var at = Instant.FromUtc(2026, 11, 26, 9, 0);
        ((RatedCall)Rater.Rate(state.Book, "globex", "+442071234567", at, Duration.FromSeconds(61))).Total.ShouldBe(0.1017m); // 60/1 at 0.10/min
        ((RatedCall)Rater.Rate(state.Book, "acme", "+31201234567", at, Duration.FromSeconds(30))).Total.ShouldBe(0.01m); // 1/1 at 0.02/min
    }

    [Fact]
    public async Task Billing_events_round_trip_through_the_event_store_json()
    {
        var world = await BillingWorld.CreateAsync(fixture, "json");
        await world.OpenAsync("rt", AccountKind.Prepaid, balance: 3m);
        var t = Instant.FromUtc(2026, 11, 20, 10, 0, 1).PlusNanoseconds(123_456_789);
        await world.PlaceCallAsync("call:rt-1;t", "rt", "+442071234567", t, Duration.FromMilliseconds(61_500));

        await using var session = world.Store.QuerySession();
        var account = (await session.Events.FetchStreamAsync("account:rt")).Select(e => e.Data).ToList();
        account.Select(e => e.GetType().Name).ShouldBe(["AccountOpened", "BalanceToppedUp", "CreditReserved", "CallCharged", "ReservationReleased"]);
        var reserved = account.OfType<CreditReserved>().Single();
        reserved.ShouldBe(new CreditReserved("rt", new CallKey("call:rt-1;t"), reserved.Amount, Duration.FromMinutes(30), t,
            "prepaid: balance 3 - held 0 = 3 EUR available; granted 1800s (Balance) for 3.00")); // record struct key, Duration, ns instant, cause
        var rated = (await session.Events.FetchStreamAsync("call:rt-1;t")).Select(e => e.Data).OfType<CallRated>().Single();
        rated.Duration.ShouldBe(Duration.FromMilliseconds(61_500));
        rated.Parts[0].Rounding.ShouldBe(new CallControl.Billing.Money.RoundingRule(CallControl.Billing.Money.RoundingMethod.Up, 4));
        rated.Parts.Sum(p => p.Cost).ShouldBe(rated.Total);
        rated.Total.ShouldBe(0.1034m);
        var plan = (await session.Events.FetchStreamAsync("tariff:RP_DEFAULT")).Single().Data.ShouldBeOfType<TariffPlanImported>();
        TariffCsv.Canonical(plan.Definition).ShouldBe(TariffCsv.Canonical(world.Live.Book.PlanInForce("RP_DEFAULT", t)!.Definition));
    }
}
