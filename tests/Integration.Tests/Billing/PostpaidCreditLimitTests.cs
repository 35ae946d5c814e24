using CallControl.Billing.Accounts;
using CallControl.Billing.Csv;
using CallControl.Host;
using CallControl.Host.Billing;
using CallControl.Projections.Cdrs;
using CallControl.Tests.Infrastructure;
using CallControl.Tests.Routing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace CallControl.Tests.Billing;

/// <summary>globex is postpaid with a credit limit of 1.00 EUR of which 0.997 is owed: 0.003 left = 9 s to +31
/// (0.02 EUR/min, per second). Link limits are off so that only credit decides.</summary>
public sealed class NearlyUsedPostpaidFixture : ControllerFixture, IAsyncLifetime
{
    public const decimal CreditLimit = 1.00m;
    public const decimal Owed = 0.997m;

    protected override ControllerSettings Configure(ControllerSettings settings) => settings with { EnforceLinkLimits = false };

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var admin = App.Services.GetRequiredService<BillingAdmin>();
        var import = await admin.ImportTariffsAsync(BillingStartup.DemoTariffFolder, new TariffImportOptions("EUR"), BillingStartup.DemoTariffsEffectiveFrom);
        if (!import.IsValid) throw new InvalidOperationException(string.Join("; ", import.Errors));
        await admin.OpenAccountAsync("globex", AccountKind.Postpaid, "EUR", CreditLimit);
        await using (var session = Store.LightweightSession())
        {
            session.Events.Append("account:globex", new BalanceAdjusted("globex", -Owed, "owed from earlier calls", NodaTime.SystemClock.Instance.GetCurrentInstant()));
            await session.SaveChangesAsync();
        }
        await App.Services.GetRequiredService<LiveBilling>().RefreshAsync();
    }
}

/// <summary>Postpaid calls in parallel through real sipp peers: each admitted call holds its grant, so together they
/// cannot pass the credit limit.</summary>
public sealed class PostpaidCreditLimitTests(NearlyUsedPostpaidFixture fixture) : IClassFixture<NearlyUsedPostpaidFixture>
{
    /// <summary>One 1 s increment to +31: 0.02/60 = 0.000333, rounded up to 4 decimals.</summary>
    private const decimal OneIncrement = 0.0004m;

    [Fact]
    public async Task Parallel_postpaid_calls_near_the_limit_are_refused_with_402_and_the_charges_stay_within_the_limit()
    {
        const int calls = 6;
        var controller = fixture;
        await using var callee = await Sipp.StartServerAsync("uas-answer-until-bye.xml", ControllerFixture.AcmeAddress, controller.AcmePort, calls: calls);
        var port = FreePort.Udp(ControllerFixture.GlobexAddress);
        await using var caller = Sipp.StartClient("uac-call-until-bye-or-402.xml", ControllerFixture.GlobexAddress, port, controller.SipEndpoint,
            "+31205550100", calls: calls, rate: 100);
        var result = await caller.WaitAsync(TimeSpan.FromSeconds(60));
        result.AllCallsSucceeded.ShouldBeTrue(result.ToString());

        var source = $"udp:{ControllerFixture.GlobexAddress}:{port}";
        var cdrs = await Eventually.Until(async () =>
        {
            await using var session = controller.Store.QuerySession();
            return await session.Query<Cdr>().Where(c => c.Source == source).ToListAsync();
        }, list => list.Count == calls && list.All(c => c.EndedAt is not null));
        cdrs.Count.ShouldBe(calls);
        var answered = cdrs.Where(c => c.Disposition == CdrDispositions.Answered).ToList();
        var refused = cdrs.Where(c => c.Disposition == CdrDispositions.Rejected).ToList();
        (answered.Count + refused.Count).ShouldBe(calls);
        // The first call holds all 9 s while the others arrive (within a second): they are refused.
        answered.Count.ShouldBe(1);
        answered.ShouldAllBe(c => c.EndedBy == "system");
        refused.ShouldAllBe(c => c.StatusCode == 402 && c.Reason!.Contains("credit limit reached (account globex)"));

        // Bound: each admitted call is granted whole increments whose cost fits in what was left after the holds of the
        // calls before it (sum of holds <= 0.003); the cut-off lands at most one increment later, so each call is
        // charged at most its hold + 0.0004. Hence sum charged <= 0.003 + answered * 0.0004, and owed <= limit + that.
        var log = controller.App.Services.GetRequiredService<BillingLog>();
        var events = await Eventually.Until(() => log.AccountStreamAsync("globex"),
            e => e.OfType<CallCharged>().Count() == answered.Count);
        var charged = events.OfType<CallCharged>().ToList();
        charged.Count.ShouldBe(answered.Count);
        var available = NearlyUsedPostpaidFixture.CreditLimit - NearlyUsedPostpaidFixture.Owed;
        events.OfType<CreditReserved>().Sum(r => r.Amount).ShouldBeLessThanOrEqualTo(available);
        charged.Sum(c => c.Amount).ShouldBeLessThanOrEqualTo(available + answered.Count * OneIncrement);
        events.OfType<CreditReserved>().ShouldAllBe(r => r.Cause!.StartsWith("postpaid: credit limit 1.00 - owed 0.997"));

        var account = (await log.LoadAsync()).Accounts["globex"];
        account.Reserved.ShouldBe(0m); // unused holds came back
        (-account.Balance).ShouldBeLessThanOrEqualTo(NearlyUsedPostpaidFixture.CreditLimit + answered.Count * OneIncrement);
        events.OfType<ReservationReleased>().Count().ShouldBe(answered.Count);
    }
}
