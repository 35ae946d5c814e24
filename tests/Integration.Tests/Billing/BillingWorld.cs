using System.Net;
using CallControl.Billing.Accounts;
using CallControl.Billing.Csv;
using CallControl.Host.Billing;
using CallControl.Host.Calls;
using CallControl.Routing;
using CallControl.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;

namespace CallControl.Tests.Billing;

/// <summary>
/// The billing services of a controller over a fresh schema, without SIP: calls are admitted and released through the
/// real <see cref="CreditGuard"/> and their events appended as <c>CallPolicy</c> appends them (grouped per stream).
/// </summary>
public sealed class BillingWorld
{
    public DocumentStore Store { get; }
    public BillingLog Log { get; }
    public BillingAdmin Admin { get; }
    public LiveBilling Live { get; }
    public CreditGuard Guard { get; }
    public BillingQueries Queries { get; }
    public ReRatingService ReRating { get; }
    public InvoiceService Invoices { get; }

    private BillingWorld(DocumentStore store)
    {
        Store = store;
        Log = new BillingLog(store);
        Admin = new BillingAdmin(store, Log, SystemClock.Instance);
        Live = new LiveBilling(Log, NullLogger<LiveBilling>.Instance);
        Guard = new CreditGuard(Live, NullLogger<CreditGuard>.Instance);
        Queries = new BillingQueries(store);
        ReRating = new ReRatingService(store, Log, SystemClock.Instance);
        Invoices = new InvoiceService(Admin, Queries, Log, SystemClock.Instance);
    }

    public static async Task<BillingWorld> CreateAsync(StoreFixture fixture, string prefix = "bill")
    {
        var world = new BillingWorld(await fixture.NewStoreAsync(prefix));
        var import = await world.Admin.ImportTariffsAsync(BillingStartup.DemoTariffFolder, new TariffImportOptions("EUR"), BillingStartup.DemoTariffsEffectiveFrom);
        if (!import.IsValid) throw new InvalidOperationException(string.Join("; ", import.Errors));
        await world.Live.RefreshAsync();
        return world;
    }

    public async Task OpenAsync(string account, AccountKind kind, decimal balance = 0m, decimal? creditLimit = null)
    {
        await Admin.OpenAccountAsync(account, kind, "EUR", creditLimit, balance);
        await Live.RefreshAsync();
    }

    /// <summary>A routed call from a PBX of <paramref name="tenant"/> to <paramref name="destination"/>, as the guards see it.</summary>
    public static NewCall Call(string callKey, string tenant, string destination, Instant now, bool emergency = false) =>
        new(callKey, null!, new RoutedToPbx(destination, new PbxTarget("pbx-x", "other", IPAddress.Loopback, 5060, "udp"), "r", "test route")
        {
            Source = new PbxSource(new PbxTarget($"{tenant}-pbx", tenant, IPAddress.Loopback, 5060, "udp")),
            Dialled = destination,
            IsEmergency = emergency,
        }, emergency, now);

    /// <summary>Appends events as <c>CallPolicy</c> does: one append per stream, all in one transaction.</summary>
    public async Task AppendAsync(IEnumerable<StreamEvent> events)
    {
        await using var session = Store.LightweightSession();
        foreach (var group in events.GroupBy(e => e.StreamKey)) session.Events.Append(group.Key, group.Select(e => e.Event).ToArray());
        await session.SaveChangesAsync();
    }

    /// <summary>Admits a call at <paramref name="start"/>, then (if admitted) ends it after <paramref name="talk"/>; returns the decision.</summary>
    public async Task<GuardDecision> PlaceCallAsync(string callKey, string tenant, string destination, Instant start, Duration talk)
    {
        var decision = Guard.Admit(Call(callKey, tenant, destination, start));
        await AppendAsync(decision.Events);
        if (decision is GuardAdmits) await AppendAsync(Guard.Release(callKey, talk, start + talk));
        return decision;
    }

    /// <summary>The account folded from its events in the store (what a restart would see).</summary>
    public async Task<Account> StoredAccountAsync(string account) => (await Log.LoadAsync()).Accounts[account];
}

/// <summary>Tariff folders for tests: a plan of its own for one account, so a correction changes no other test's prices.</summary>
public static class TestTariffs
{
    /// <summary>Writes a CGRateS folder: plan <paramref name="planId"/> for <paramref name="account"/> with +31 at
    /// <paramref name="nlPerMinute"/> (1/1) and +44 at <paramref name="ukPerMinute"/> (60/1).</summary>
    public static string Folder(string planId, string account, decimal nlPerMinute, decimal ukPerMinute = 0.10m)
    {
        var dir = Directory.CreateTempSubdirectory("tariffs-").FullName;
        var p = planId;
        string Price(decimal d) => d.ToString(System.Globalization.CultureInfo.InvariantCulture);
        File.WriteAllText(Path.Combine(dir, "Destinations.csv"), $"#Id,Prefix\n{p}_UK,+44\n{p}_NL,+31\n");
        File.WriteAllText(Path.Combine(dir, "Rates.csv"),
            $"#Id,ConnectFee,Rate,RateUnit,RateIncrement,GroupIntervalStart\n{p}_RT_UK,0,{Price(ukPerMinute)},60s,60s,0s\n{p}_RT_UK,0,{Price(ukPerMinute)},60s,1s,60s\n{p}_RT_NL,0,{Price(nlPerMinute)},60s,1s,0s\n");
        File.WriteAllText(Path.Combine(dir, "DestinationRates.csv"),
            $"#Id,DestinationId,RatesTag,RoundingMethod,RoundingDecimals,MaxCost,MaxCostStrategy\n{p}_DR_UK,{p}_UK,{p}_RT_UK,*up,4,0,\n{p}_DR_NL,{p}_NL,{p}_RT_NL,*up,4,0,\n");
        File.WriteAllText(Path.Combine(dir, "Timings.csv"), "#Tag,Years,Months,MonthDays,WeekDays,Time\nALWAYS,*any,*any,*any,*any,00:00:00\n");
        File.WriteAllText(Path.Combine(dir, "RatingPlans.csv"), $"#Id,DestinationRatesId,TimingTag,Weight\n{p},{p}_DR_UK,ALWAYS,10\n{p},{p}_DR_NL,ALWAYS,10\n");
        File.WriteAllText(Path.Combine(dir, "RatingProfiles.csv"), $"#Tenant,Category,Subject,ActivationTime,RatingPlanId,RatesFallbackSubject\ncallcontrol,call,{account},2020-01-01T00:00:00Z,{p},\n");
        return dir;
    }
}
