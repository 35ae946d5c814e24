using CallControl.Billing.Accounts;
using CallControl.Host.Billing;
using CallControl.Projections.Billing;
using CallControl.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;
using Shouldly;

namespace CallControl.Tests.Billing;

/// <summary>
/// The billing follower (<see cref="LiveBilling.RefreshAsync"/>) folds each event written elsewhere exactly once, although
/// every poll looks again at a window below its head, and deserializes only the events it has not applied yet.
/// </summary>
public sealed class LiveBillingFollowerTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 11, 2, 9, 0);

    private static async Task AppendAsync(IDocumentStore store, string account, params object[] events)
    {
        await using var session = store.LightweightSession();
        session.Events.Append(BillingStreams.Account(account), events);
        await session.SaveChangesAsync();
    }

    [Fact]
    public async Task Events_written_elsewhere_are_folded_once_and_read_once()
    {
        var store = await fixture.NewStoreAsync("follower");
        await AppendAsync(store, "acme", new AccountOpened("acme", AccountKind.Prepaid, "EUR", null, T0), new BalanceToppedUp("acme", 10m, "first", T0));
        var live = new LiveBilling(new BillingLog(store), NullLogger<LiveBilling>.Instance);
        (await live.RefreshAsync()).ShouldBeTrue();
        live.Account("acme")!.Balance.ShouldBe(10m);

        await AppendAsync(store, "acme", new BalanceToppedUp("acme", 5m, "second", T0.Plus(Duration.FromMinutes(1))));
        await AppendAsync(store, "other", new AccountOpened("other", AccountKind.Postpaid, "EUR", 20m, T0));
        (await live.RefreshAsync()).ShouldBeTrue();
        live.Account("acme")!.Balance.ShouldBe(15m);
        live.Account("other").ShouldNotBeNull();
        live.BodiesRead.ShouldBe(2);

        // Every event is still inside the lookback window: the next polls see their sequences, apply nothing again and
        // read no body.
        for (var i = 0; i < 3; i++) (await live.RefreshAsync()).ShouldBeFalse();
        live.Account("acme")!.Balance.ShouldBe(15m);
        live.BodiesRead.ShouldBe(2);

        await AppendAsync(store, "acme", new BalanceAdjusted("acme", -1m, "fee", T0.Plus(Duration.FromMinutes(2))));
        (await live.RefreshAsync()).ShouldBeTrue();
        live.Account("acme")!.Balance.ShouldBe(14m);
        live.BodiesRead.ShouldBe(3);
    }
}
