using CallControl.Billing.Accounts;
using CallControl.Billing.Csv;
using CallControl.Host.Billing;
using CallControl.Projections.Billing;
using CallControl.Tests.Infrastructure;
using Marten;
using NodaTime;
using Shouldly;

namespace CallControl.Tests.Billing;

/// <summary>
/// Start-up from a checkpoint (<see cref="BillingLog.LoadFoldAsync"/>) gives the same accounts as folding every event
/// (<see cref="BillingLog.LoadAsync"/>), with re-ratings of calls charged before the checkpoint, holds open across it, a
/// card blocked after it, and tariffs imported on both sides; and it reads only the events after it.
/// </summary>
public sealed class BillingCheckpointTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 11, 2, 9, 0);

    private static async Task AppendAsync(IDocumentStore store, string account, params object[] events)
    {
        await using var session = store.LightweightSession();
        session.Events.Append(BillingStreams.Account(account), events);
        await session.SaveChangesAsync();
    }

    private static void ShouldMatch(BillingState full, BillingState start)
    {
        start.Accounts.Keys.Order().ShouldBe(full.Accounts.Keys.Order());
        foreach (var a in full.Accounts.Values)
        {
            var b = start.Accounts[a.AccountId];
            b.Balance.ShouldBe(a.Balance, a.AccountId);
            b.CreditLimit.ShouldBe(a.CreditLimit);
            b.ChargedCount.ShouldBe(a.ChargedCount);
            b.Card.ShouldBe(a.Card);
            b.Reservations.OrderBy(r => r.Key.Value).ShouldBe(a.Reservations.OrderBy(r => r.Key.Value));
        }
        start.CardsByPinIndex.OrderBy(p => p.Key).ShouldBe(full.CardsByPinIndex.OrderBy(p => p.Key));
        start.Book.PlanIds.Order().ShouldBe(full.Book.PlanIds.Order());
        start.Sequence.ShouldBe(full.Sequence);
    }

    [Fact]
    public async Task Checkpoint_plus_the_events_after_it_gives_the_same_accounts_as_every_event()
    {
        var store = await fixture.NewStoreAsync("checkpoint");
        var log = new BillingLog(store);
        var admin = new BillingAdmin(store, log, new NodaTime.Testing.FakeClock(T0));
        (await admin.ImportTariffsAsync(BillingStartup.DemoTariffFolder, new TariffImportOptions("EUR"), BillingStartup.DemoTariffsEffectiveFrom)).IsValid.ShouldBeTrue();
        await admin.OpenAccountAsync("acme", AccountKind.Postpaid, "EUR", creditLimit: 100m);
        await admin.OpenAccountAsync("globex", AccountKind.Prepaid, "EUR", creditLimit: null, initialBalance: 5m);
        var card = await new CardAdmin(admin, log, store, new NodaTime.Testing.FakeClock(T0)).IssueAsync("card-1", "12345678", T0.Plus(Duration.FromDays(365)), 2, 3m);

        CallKey Call(int n) => new($"call:c{n};t");
        for (var n = 0; n < 50; n++)
            await AppendAsync(store, n % 2 == 0 ? "acme" : "globex",
                new CreditReserved(n % 2 == 0 ? "acme" : "globex", Call(n), 0.50m, Duration.FromMinutes(10), T0.Plus(Duration.FromMinutes(n))),
                new CallCharged(n % 2 == 0 ? "acme" : "globex", Call(n), 0.01m * n, T0.Plus(Duration.FromMinutes(n + 1))),
                new ReservationReleased(n % 2 == 0 ? "acme" : "globex", Call(n), 0.50m, T0.Plus(Duration.FromMinutes(n + 1))));
        // A hold open across the checkpoint.
        await AppendAsync(store, "globex", new CreditReserved("globex", Call(100), 0.70m, Duration.FromMinutes(20), T0.Plus(Duration.FromHours(2))));

        var first = await log.LoadFoldAsync(LiveBilling.Lookback);
        await log.SaveCheckpointAsync(first);
        ShouldMatch(await log.LoadAsync(), (await log.LoadFoldAsync(LiveBilling.Lookback)).State);

        // After the checkpoint: re-ratings of calls charged before it, the open hold charged, a top-up, a card blocked,
        // a duplicate charge of a call charged after it (ignored by both), and new tariffs.
        await AppendAsync(store, "acme", new CallReRated("acme", Call(10), 0.10m, 0.07m, "price corrected", T0.Plus(Duration.FromDays(1))));
        await AppendAsync(store, "globex", new CallReRated("globex", Call(11), 0.11m, 0.20m, "price corrected", T0.Plus(Duration.FromDays(1))));
        await AppendAsync(store, "globex",
            new CallCharged("globex", Call(100), 0.33m, T0.Plus(Duration.FromDays(1))),
            new ReservationReleased("globex", Call(100), 0.70m, T0.Plus(Duration.FromDays(1))),
            new CallCharged("globex", Call(100), 0.33m, T0.Plus(Duration.FromDays(1))),
            new BalanceToppedUp("globex", 10m, "payment", T0.Plus(Duration.FromDays(1))));
        await new CardAdmin(admin, log, store, new NodaTime.Testing.FakeClock(T0)).BlockAsync(card.CardId, "lost");
        (await admin.ImportTariffsAsync(BillingStartup.DemoTariffFolder, new TariffImportOptions("EUR"), T0.Plus(Duration.FromDays(2)))).IsValid.ShouldBeTrue();

        var full = await log.LoadAsync();
        var start = await log.LoadFoldAsync(LiveBilling.Lookback);
        ShouldMatch(full, start.State);
        start.Folded.ShouldBeLessThan(first.Folded); // only what came after the checkpoint was read
        full.Accounts["globex"].Balance.ShouldBe(5m - Enumerable.Range(0, 50).Where(n => n % 2 == 1).Sum(n => 0.01m * n) - 0.09m - 0.33m + 10m);
        start.State.Accounts["card-1"].Card!.Blocked.ShouldBeTrue();

        // A second checkpoint on top of the first, and the next start from it.
        await log.SaveCheckpointAsync(start);
        ShouldMatch(full, (await log.LoadFoldAsync(LiveBilling.Lookback)).State);
    }
}
