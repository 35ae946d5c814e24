using CallControl.Billing.Accounts;
using CallControl.Billing.Csv;
using CallControl.Host.Billing;
using CallControl.Projections.Billing;
using CallControl.Projections.Cdrs;
using CallControl.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace CallControl.Tests.Billing;

/// <summary>A controller with billing: acme is a prepaid account with nothing left, globex a prepaid one with 1.00 EUR.</summary>
public sealed class BilledControllerFixture : IAsyncLifetime
{
    public ControllerFixture Controller { get; } = new();

    public async Task InitializeAsync()
    {
        await Controller.InitializeAsync();
        var admin = Controller.App.Services.GetRequiredService<BillingAdmin>();
        var import = await admin.ImportTariffsAsync(BillingStartup.DemoTariffFolder, new TariffImportOptions("EUR"), BillingStartup.DemoTariffsEffectiveFrom);
        if (!import.IsValid) throw new InvalidOperationException(string.Join("; ", import.Errors));
        await admin.OpenAccountAsync("acme", AccountKind.Prepaid, "EUR", null, 0m);
        await admin.OpenAccountAsync("globex", AccountKind.Prepaid, "EUR", null, 1.00m);
        await Controller.App.Services.GetRequiredService<LiveBilling>().RefreshAsync();
    }

    public Task DisposeAsync() => Controller.DisposeAsync();
}

/// <summary>Real calls through the controller with sipp PBXs on their own loopback addresses and free ports.</summary>
public sealed class BillingCallTests(BilledControllerFixture billed) : IClassFixture<BilledControllerFixture>
{
    private ControllerFixture Controller => billed.Controller;

    private async Task<Cdr> CdrFromAsync(System.Net.IPAddress address, int port)
    {
        await using var session = Controller.Store.QuerySession();
        var source = $"udp:{address}:{port}";
        return (await session.Query<Cdr>().Where(c => c.Source == source).ToListAsync()).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task A_prepaid_call_is_refused_with_402_when_the_balance_is_empty_and_the_event_says_why()
    {
        var port = FreePort.Udp(ControllerFixture.AcmeAddress);
        await using var caller = Sipp.StartClient("uac-expect-error.xml", ControllerFixture.AcmeAddress, port, Controller.SipEndpoint, "+31205550200",
            replace: new Dictionary<string, string> { ["EXPECTED_STATUS"] = "402" });
        var result = await caller.WaitAsync();
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());

        var cdr = await CdrFromAsync(ControllerFixture.AcmeAddress, port);
        cdr.Disposition.ShouldBe(CdrDispositions.Rejected);
        cdr.StatusCode.ShouldBe(402);
        cdr.Reason!.ShouldContain("insufficient credit (account acme)");
        var account = await Controller.App.Services.GetRequiredService<BillingLog>().AccountStreamAsync("acme");
        account.OfType<CreditReserved>().ShouldBeEmpty();
    }

    [Fact]
    public async Task A_prepaid_call_reserves_credit_and_is_charged_its_cost_when_it_ends()
    {
        var log = Controller.App.Services.GetRequiredService<BillingLog>();
        var before = (await log.LoadAsync()).Accounts["globex"].Balance;
        await using var callee = await Sipp.StartServerAsync("uas-answer.xml", ControllerFixture.AcmeAddress, Controller.AcmePort);
        var port = FreePort.Udp(ControllerFixture.GlobexAddress);
        await using var caller = Sipp.StartClient("uac-call.xml", ControllerFixture.GlobexAddress, port, Controller.SipEndpoint, "+31205550100");
        var result = await caller.WaitAsync();
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());
        (await callee.WaitAsync()).AllCallsSucceeded.ShouldBeTrue();

        // The end is committed by the time sipp has the 200 for its BYE; await the charge, never sleep.
        var cdr = await Eventually(() => CdrFromAsync(ControllerFixture.GlobexAddress, port), c => c.Disposition == CdrDispositions.Answered);
        var events = await Eventually(() => log.AccountStreamAsync("globex"), e => e.OfType<CallCharged>().Any(c => c.Call.Value == cdr.Id));
        var reserved = events.OfType<CreditReserved>().Single(r => r.Call.Value == cdr.Id);
        reserved.Amount.ShouldBe(before); // all of it: 50 minutes to +31 at 0.02/min
        var charged = events.OfType<CallCharged>().Single(c => c.Call.Value == cdr.Id);
        events.OfType<ReservationReleased>().ShouldContain(r => r.Call.Value == cdr.Id);

        await using var session = Controller.Store.QuerySession();
        var rated = (await session.Events.FetchStreamAsync(cdr.Id)).Select(e => e.Data).OfType<CallRated>().ShouldHaveSingleItem();
        rated.AccountId.ShouldBe("globex");
        rated.Total.ShouldBe(charged.Amount);
        rated.Parts.Sum(p => p.Cost).ShouldBe(rated.Total);
        rated.Duration.ShouldBe(cdr.Duration);
        charged.Amount.ShouldBeGreaterThan(0m);

        var after = (await log.LoadAsync()).Accounts["globex"];
        after.Balance.ShouldBe(before - charged.Amount);
        after.Reserved.ShouldBe(0m);
        Controller.App.Services.GetRequiredService<LiveBilling>().Account("globex")!.Balance.ShouldBe(after.Balance);
    }

    [Fact]
    public async Task The_billing_http_api_rates_reports_charts_and_tops_up()
    {
        using var http = new HttpClient { BaseAddress = new Uri(Controller.HttpUrl) };

        var rate = await http.GetStringAsync("/api/rate?account=acme&to=%2B442071234567&at=2026-11-26T10:00:00Z&seconds=90");
        rate.ShouldContain("\"total\": 0.15");
        rate.ShouldContain("\"destinationId\": \"DST_UK\"");
        (await http.GetAsync("/api/rate?account=acme&to=%2B44&seconds=abc")).StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);

        var csv = await http.GetStringAsync("/api/reports/rating?from=2026-11-01&to=2026-12-31&format=csv");
        csv.ShouldStartWith("account,prefix,day,calls,minutes,cost,currency");
        (await http.GetStringAsync("/reports/cost-per-day?from=2026-11-01&to=2026-11-30")).ShouldContain("<svg");
        (await http.GetAsync("/reports/cost-per-day?from=yesterday&to=2026-11-30")).StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);

        var topup = await http.PostAsync("/api/accounts/acme/topups",
            new StringContent("{\"amount\": 0.50, \"reason\": \"http test\"}", System.Text.Encoding.UTF8, "application/json"));
        topup.IsSuccessStatusCode.ShouldBeTrue(await topup.Content.ReadAsStringAsync());
        (await http.PostAsync("/api/accounts/nobody/topups",
            new StringContent("{\"amount\": 1}", System.Text.Encoding.UTF8, "application/json"))).StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
        var accounts = await http.GetStringAsync("/api/accounts");
        accounts.ShouldContain("\"account\": \"globex\"");
        (await http.GetStringAsync("/api/accounts?at=2000-01-01T00:00:00Z")).ShouldBe("[]");

        var issued = await http.PostAsync("/api/invoices",
            new StringContent("{\"account\": \"globex\", \"from\": \"2020-01-01\", \"to\": \"2020-01-31\"}", System.Text.Encoding.UTF8, "application/json"));
        issued.IsSuccessStatusCode.ShouldBeTrue(await issued.Content.ReadAsStringAsync());
        (await issued.Content.ReadAsStringAsync()).ShouldContain("INV-globex-0001");
        (await http.GetStringAsync("/api/invoices/INV-globex-0001?format=csv")).ShouldContain("INV-globex-0001,total,");
        (await http.GetAsync("/api/invoices/INV-nobody-0001")).StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);

        // The top-up reached acme only through the log: take it back so the refusal test still sees an empty balance.
        await using (var session = Controller.Store.LightweightSession())
        {
            session.Events.Append("account:acme", new BalanceAdjusted("acme", -0.50m, "undo http test top-up", NodaTime.SystemClock.Instance.GetCurrentInstant()));
            await session.SaveChangesAsync();
        }
        await Controller.App.Services.GetRequiredService<LiveBilling>().RefreshAsync();
    }

    private static async Task<T> Eventually<T>(Func<Task<T>> query, Func<T, bool> done, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            try
            {
                var value = await query();
                if (done(value) || DateTime.UtcNow > deadline) return value;
            }
            catch (ShouldAssertException) when (DateTime.UtcNow <= deadline) { }
            await Task.Delay(50);
        }
    }
}
