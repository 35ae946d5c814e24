using System.Net;
using CallControl.Billing.Accounts;
using CallControl.Billing.Csv;
using CallControl.Billing.Rating;
using CallControl.Host;
using CallControl.Host.Billing;
using CallControl.Host.Calls;
using CallControl.Host.Sip;
using CallControl.Projections.Billing;
using CallControl.Projections.Cdrs;
using CallControl.Tests.Infrastructure;
using CallControl.Tests.Routing;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Shouldly;

namespace CallControl.Tests.EndToEnd;

/// <summary>
/// A billed call (acme, prepaid) up when its controller goes away; a new controller on the same event store takes it
/// back with its credit hold, and its end charges it exactly once.
/// </summary>
public sealed class BilledRestartTests
{
    [Fact]
    public async Task A_billed_call_up_across_a_restart_is_charged_once_for_its_real_duration_when_its_bye_arrives()
    {
        await using var run = await RestartRun.StartAsync(balance: 1.00m, caller: "uac-call-hold.xml", holdMs: 5000);
        await using var second = await run.RestartAsync();
        var callerResult = await run.Caller.WaitAsync();
        callerResult.AllCallsSucceeded.ShouldBeTrue(callerResult.ToString());

        var cdr = await run.CdrAsync(second, c => c.EndedAt is not null);
        cdr.EndedBy.ShouldBe("caller"); // the new proxy carries the dialog on (restored from CallAnswered)
        cdr.Duration.TotalSeconds.ShouldBeInRange(4.0, 40.0);
        var (charged, rated, account) = await run.SettledAsync(second, cdr);
        // The real duration (answer to BYE) at the demo rate, as the rater prices it from the answer.
        var expected = Rater.Rate(second.Services.GetRequiredService<LiveBilling>().Book, "acme", "+31205550200", cdr.AnsweredAt!.Value, cdr.Duration)
            .ShouldBeOfType<RatedCall>().Total;
        charged.Amount.ShouldBe(expected);
        rated.Duration.ShouldBe(cdr.Duration);
        rated.Total.ShouldBe(charged.Amount);
        account.Balance.ShouldBe(1.00m - charged.Amount);
        account.Reserved.ShouldBe(0m);
        second.Services.GetRequiredService<LiveBilling>().Account("acme")!.Balance.ShouldBe(account.Balance);
        await second.StopAsync();
    }

    [Fact]
    public async Task A_billed_call_across_a_restart_is_cut_off_by_the_new_controller_at_its_grant_and_charged_once()
    {
        // 0.002 EUR = 6 s to +31: the grant. Neither party hangs up: each scenario succeeds only when it gets a BYE.
        await using var run = await RestartRun.StartAsync(balance: 0.002m, caller: "uac-call-until-bye.xml");
        await using var second = await run.RestartAsync();

        // The new proxy took the dialog back with what is left of its grant, and ends it with a BYE to both parties.
        var callerResult = await run.Caller.WaitAsync(TimeSpan.FromSeconds(150));
        callerResult.AllCallsSucceeded.ShouldBeTrue(callerResult.ToString());
        var calleeResult = await run.Callee.WaitAsync(TimeSpan.FromSeconds(150));
        calleeResult.AllCallsSucceeded.ShouldBeTrue(calleeResult.ToString());

        var cdr = await run.CdrAsync(second, c => c.EndedAt is not null);
        cdr.EndedBy.ShouldBe("system");
        // Cut at its grant from the answer; if the restart itself took longer than the grant, ended at once when taken
        // back, with its talk taken as its grant (its end was not seen).
        cdr.Reason!.ShouldStartWith("maximum duration reached");
        if (cdr.Reason != "maximum duration reached") cdr.Reason.ShouldContain("end never seen: talk taken as its grant of 6s");
        cdr.Duration.ShouldBeGreaterThanOrEqualTo(Duration.FromSeconds(6) - Duration.FromMilliseconds(100));
        var (charged, rated, account) = await run.SettledAsync(second, cdr);
        var expected = Rater.Rate(second.Services.GetRequiredService<LiveBilling>().Book, "acme", "+31205550200", cdr.AnsweredAt!.Value, cdr.Duration)
            .ShouldBeOfType<RatedCall>().Total;
        charged.Amount.ShouldBe(expected);
        rated.Total.ShouldBe(charged.Amount);
        account.Balance.ShouldBe(0.002m - charged.Amount);
        account.Reserved.ShouldBe(0m);

        // A second end (the recovery sweep, a late BYE, the operator) finds nothing open: charged once.
        await second.Services.GetRequiredService<CallPolicy>().EndAsync(cdr.Id, "system", "again", endSeen: false);
        (await second.Services.GetRequiredService<BillingLog>().AccountStreamAsync("acme")).OfType<CallCharged>().Count().ShouldBe(1);
        await second.StopAsync();
    }

    /// <summary>First controller with billing (demo tariffs, acme prepaid), a call from acme-hq answered by globex-main,
    /// then the controller goes away with the call up (as <see cref="RestartTests"/>).</summary>
    private sealed class RestartRun : IAsyncDisposable
    {
        private readonly ControllerSettings _settings;
        private readonly int _acmePort, _globexPort, _callerPort;
        public Sipp Callee { get; }
        public Sipp Caller { get; }
        public string Source => $"udp:{ControllerFixture.AcmeAddress}:{_callerPort}";

        private RestartRun(ControllerSettings settings, int acmePort, int globexPort, int callerPort, Sipp callee, Sipp caller)
        {
            _settings = settings;
            _acmePort = acmePort;
            _globexPort = globexPort;
            _callerPort = callerPort;
            Callee = callee;
            Caller = caller;
        }

        public static async Task<RestartRun> StartAsync(decimal balance, string caller, int holdMs = 0)
        {
            var sipPort = FreePort.Udp(IPAddress.Loopback);
            var acmePort = FreePort.Udp(ControllerFixture.AcmeAddress);
            var globexPort = FreePort.Udp(ControllerFixture.GlobexAddress);
            var settings = new ControllerSettings
            {
                ConnectionString = TestDatabase.ConnectionString,
                Schema = TestDatabase.NewSchema("billrestart"),
                SipAddress = IPAddress.Loopback,
                SipPort = sipPort,
                HttpUrl = $"http://127.0.0.1:{FreePort.Tcp(IPAddress.Loopback)}",
            };
            var first = await RestartTests.StartAsync(settings, acmePort, globexPort);
            var admin = first.Services.GetRequiredService<BillingAdmin>();
            var import = await admin.ImportTariffsAsync(BillingStartup.DemoTariffFolder, new TariffImportOptions("EUR"), BillingStartup.DemoTariffsEffectiveFrom);
            if (!import.IsValid) throw new InvalidOperationException(string.Join("; ", import.Errors));
            await admin.OpenAccountAsync("acme", AccountKind.Prepaid, "EUR", null, balance);
            await first.Services.GetRequiredService<LiveBilling>().RefreshAsync();

            // Scenarios that wait for a BYE wait up to 90 s: the restart is in between (a loaded machine may take a while).
            var longWait = new Dictionary<string, string> { ["timeout=\"20000\""] = "timeout=\"90000\"", ["HOLD_MS"] = holdMs.ToString() };
            var callee = await Sipp.StartServerAsync(caller == "uac-call-hold.xml" ? "uas-answer.xml" : "uas-answer-until-bye.xml",
                ControllerFixture.GlobexAddress, globexPort, replace: longWait, runTimeout: TimeSpan.FromSeconds(120));
            var callerPort = FreePort.Udp(ControllerFixture.AcmeAddress);
            // A held call's BYE is retransmitted for 32 s (Timer E/F), so it reaches the second controller.
            var sipp = Sipp.StartClient(caller, ControllerFixture.AcmeAddress, callerPort, new IPEndPoint(IPAddress.Loopback, sipPort), "+31205550200",
                replace: longWait, runTimeout: TimeSpan.FromSeconds(120));
            var run = new RestartRun(settings, acmePort, globexPort, callerPort, callee, sipp);

            await run.CdrAsync(first, c => c.AnsweredAt is not null);
            // The caller has its 200 once the proxy got its ACK (INVITE, 180, 200, ACK).
            var sip = first.Services.GetRequiredService<SipService>().Server;
            await Eventually.Until(() => Task.FromResult(sip.Counters[CallControl.Sip.Proxy.SipCounter.MessagesReceived]), n => n >= 4);
            await first.StopAsync();
            await first.DisposeAsync();
            return run;
        }

        public Task<WebApplication> RestartAsync() => RestartTests.StartAsync(_settings, _acmePort, _globexPort);

        public async Task<Cdr> CdrAsync(WebApplication app, Func<Cdr, bool> done)
        {
            var store = app.Services.GetRequiredService<IDocumentStore>();
            var source = Source;
            return await Eventually.Until(async () =>
            {
                await using var s = store.QuerySession();
                return (await s.Query<Cdr>().Where(c => c.Source == source).ToListAsync()).SingleOrDefault();
            }, c => c is not null && done(c), timeoutMs: 40_000) ?? throw new InvalidOperationException("no CDR");
        }

        /// <summary>Exactly one charge for the call, its rating, and the account as the store folds it.</summary>
        public async Task<(CallCharged Charged, CallRated Rated, Account Account)> SettledAsync(WebApplication app, Cdr cdr)
        {
            var log = app.Services.GetRequiredService<BillingLog>();
            var events = await Eventually.Until(() => log.AccountStreamAsync("acme"), e => e.OfType<CallCharged>().Any());
            var charged = events.OfType<CallCharged>().ShouldHaveSingleItem();
            charged.Call.Value.ShouldBe(cdr.Id);
            events.OfType<ReservationReleased>().ShouldHaveSingleItem().Cause.ShouldBe($"call charged {charged.Amount}");
            await using var session = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
            var callEvents = await session.Events.FetchStreamAsync(cdr.Id);
            callEvents.Count(e => e.Data is CallControl.Calls.CallEnded).ShouldBe(1);
            var rated = callEvents.Select(e => e.Data).OfType<CallRated>().ShouldHaveSingleItem();
            return (charged, rated, (await log.LoadAsync()).Accounts["acme"]);
        }

        public async ValueTask DisposeAsync()
        {
            await Caller.DisposeAsync();
            await Callee.DisposeAsync();
        }
    }
}
