using CallControl.Billing.Accounts;
using CallControl.Host.Billing;
using CallControl.Host.Cli;
using CallControl.Tests.Infrastructure;
using Marten;
using Shouldly;
using Spectre.Console.Cli;

namespace CallControl.Tests.Billing;

/// <summary><c>callcontrol cards ...</c> against a fresh schema: exit 0 and events with causes, exit 2 for bad input.</summary>
public sealed class CardCliTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static async Task<int> RunCliAsync(IDocumentStore store, params string[] args)
    {
        var app = new CommandApp();
        app.Configure(CardCommands.Register);
        var rc = await app.RunAsync([.. args, "--db", TestDatabase.ConnectionString, "--schema", store.Options.DatabaseSchemaName]);
        return rc == -1 ? 2 : rc;
    }

    [Fact]
    public async Task Cards_are_issued_topped_up_adjusted_blocked_and_shown_and_bad_input_exits_2()
    {
        var store = await fixture.NewStoreAsync("cardcli");
        (await RunCliAsync(store, "cards", "issue", "--id", "card-7", "--pin", "80808080", "--expires", "2099-12-31", "--balance", "3.00",
            "--max-simultaneous", "2")).ShouldBe(0);
        (await RunCliAsync(store, "cards", "issue", "--id", "card-8", "--pin", "80808080", "--expires", "2099-12-31")).ShouldBe(2); // PIN taken
        (await RunCliAsync(store, "cards", "issue", "--expires", "next week")).ShouldBe(2);
        (await RunCliAsync(store, "cards", "issue", "--pin", "12ab5678", "--expires", "2099-12-31")).ShouldBe(2);
        (await RunCliAsync(store, "cards", "issue", "--expires", "2099-12-31")).ShouldBe(0); // generated PIN, card-000002
        (await RunCliAsync(store, "cards", "topup", "card-7", "2.00", "--reason", "voucher 12")).ShouldBe(0);
        (await RunCliAsync(store, "cards", "topup", "card-7", "-1")).ShouldBe(2);
        (await RunCliAsync(store, "cards", "adjust", "card-7", "-0.50", "--reason", "call refunded twice")).ShouldBe(0);
        (await RunCliAsync(store, "cards", "adjust", "card-7", "1.00")).ShouldBe(2); // no reason
        (await RunCliAsync(store, "cards", "block", "card-7", "--reason", "lost")).ShouldBe(0);
        (await RunCliAsync(store, "cards", "block", "nobody", "--reason", "lost")).ShouldBe(2);
        (await RunCliAsync(store, "cards", "show", "card-7")).ShouldBe(0);
        (await RunCliAsync(store, "cards", "show", "nobody")).ShouldBe(2);
        (await RunCliAsync(store, "cards", "list")).ShouldBe(0);
        (await RunCliAsync(store, "cards", "unblock", "card-7")).ShouldBe(0);

        var log = new BillingLog(store);
        var state = await log.LoadAsync();
        var card = state.Accounts["card-7"];
        card.Balance.ShouldBe(4.50m);
        card.Card!.Blocked.ShouldBeFalse();
        card.Card.MaxSimultaneousUses.ShouldBe(2);
        state.Accounts.Values.Count(a => a.Kind == AccountKind.CallingCard).ShouldBe(2);
        state.CardsByPinIndex[CallingCardPin.Index("80808080")].ShouldBe("card-7");
        var events = await log.AccountStreamAsync("card-7");
        events.OfType<BalanceToppedUp>().Select(e => e.Reference).ShouldBe(["card issued", "voucher 12"]);
        events.OfType<BalanceAdjusted>().ShouldHaveSingleItem().Reason.ShouldBe("call refunded twice");
        events.OfType<CallingCardBlocked>().ShouldHaveSingleItem().Reason.ShouldBe("lost");
        System.Text.Json.JsonSerializer.Serialize(events.ToArray()).ShouldNotContain("80808080");
    }
}
