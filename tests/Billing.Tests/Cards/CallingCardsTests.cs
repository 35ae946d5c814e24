using CallControl.Billing.Accounts;
using CallControl.Billing.Cards;
using CallControl.Billing.Tariffs;
using NodaTime;
using Shouldly;
using Xunit;

namespace CallControl.Billing.Tests.Cards;

/// <summary>Given card events / When a staff command or a call / Then events, over the demo plan (+31 0.02/min 1/1).</summary>
public class CallingCardsTests
{
    private static readonly TariffBook Book = Books.Default(Books.Demo());
    private static readonly Instant T0 = Books.Utc(2026, 3, 25, 12, 0);
    private static readonly Instant Expiry = T0.Plus(Duration.FromDays(365));
    private const string Pin = "73910264";

    private static IssueCard Command(string id = "card-1", string pin = Pin, decimal balance = 2.00m, int max = 2) =>
        new(id, pin, "EUR", balance, Expiry, max);

    private static Account Issued(IssueCard? command = null)
    {
        var outcome = CallingCards.Issue(null, command ?? Command(), _ => false, T0);
        outcome.IsValid.ShouldBeTrue(outcome.Error);
        return Account.Fold(outcome.Events)!;
    }

    [Fact]
    public void Issuing_a_card_records_the_account_the_hashed_pin_and_the_opening_balance_never_the_pin()
    {
        var outcome = CallingCards.Issue(null, Command(), _ => false, T0);

        outcome.Events.Count.ShouldBe(3);
        var issued = outcome.Events.OfType<CallingCardIssued>().Single();
        issued.PinHash.ShouldBe(CallingCardPin.Hash("card-1", Pin));
        issued.PinIndex.ShouldBe(CallingCardPin.Index(Pin));
        issued.MaxSimultaneousUses.ShouldBe(2);
        outcome.Events.OfType<BalanceToppedUp>().Single().ShouldBe(new BalanceToppedUp("card-1", 2.00m, "card issued", T0));
        System.Text.Json.JsonSerializer.Serialize(outcome.Events.Cast<object>().ToArray()).ShouldNotContain(Pin);

        var card = Account.Fold(outcome.Events)!;
        card.Kind.ShouldBe(AccountKind.CallingCard);
        card.Balance.ShouldBe(2.00m);
        card.Card!.PinIndex.ShouldBe(issued.PinIndex);
        card.Card.ExpiresAt.ShouldBe(Expiry);
    }

    [Theory]
    [InlineData("Card-1", Pin, 1, 0, "id")]
    [InlineData("card-1", "12345", 1, 0, "pin")]
    [InlineData("card-1", "1234567a", 1, 0, "pin")]
    [InlineData("card-1", "123456789012345678901", 1, 0, "pin")]
    [InlineData("card-1", Pin, 0, 0, "maxSimultaneous")]
    [InlineData("card-1", Pin, 101, 0, "maxSimultaneous")]
    [InlineData("card-1", Pin, 1, -1, "balance")]
    public void Bad_issue_commands_name_the_field(string id, string pin, int max, decimal balance, string field)
    {
        var outcome = CallingCards.Issue(null, Command(id, pin, balance, max), _ => false, T0);
        outcome.IsValid.ShouldBeFalse();
        outcome.Field.ShouldBe(field);
        outcome.Events.ShouldBeEmpty();
        if (field == "pin") outcome.Error!.ShouldNotContain(pin);
    }

    [Fact]
    public void A_pin_names_one_card_an_id_one_account_and_a_card_cannot_be_issued_already_expired()
    {
        CallingCards.Issue(null, Command(), index => index == CallingCardPin.Index(Pin), T0).Field.ShouldBe("pin");
        CallingCards.Issue(Issued(), Command(), _ => false, T0).Field.ShouldBe("id");
        CallingCards.Issue(null, Command() with { ExpiresAt = T0 }, _ => false, T0).Field.ShouldBe("expires");
        CallingCards.Issue(null, Command() with { Currency = "eur" }, _ => false, T0).Field.ShouldBe("currency");
    }

    [Fact]
    public void Block_unblock_and_adjust_carry_their_cause_and_repeat_as_nothing()
    {
        var card = Issued();
        var blocked = CallingCards.Block(card, " reported lost ", T0);
        blocked.Events.ShouldBe([new CallingCardBlocked("card-1", "reported lost", T0)]);
        card = card.Apply(blocked.Events[0]);
        CallingCards.Block(card, "again", T0).Events.ShouldBeEmpty();
        CallingCards.Block(Issued(), "", T0).Field.ShouldBe("reason");

        var unblocked = CallingCards.Unblock(card, T0);
        unblocked.Events.ShouldBe([new CallingCardUnblocked("card-1", T0)]);
        CallingCards.Unblock(card.Apply(unblocked.Events[0]), T0).Events.ShouldBeEmpty();

        CallingCards.Adjust(card, -0.50m, "refund of a failed call", T0).Events.ShouldBe([new BalanceAdjusted("card-1", -0.50m, "refund of a failed call", T0)]);
        CallingCards.Adjust(card, 1m, " ", T0).Field.ShouldBe("reason");
        CallingCards.Adjust(card, 0m, "nothing", T0).Field.ShouldBe("amount");

        var prepaid = Account.Fold([new AccountOpened("acme", AccountKind.Prepaid, "EUR", null, T0)]);
        CallingCards.Block(prepaid, "x", T0).Error!.ShouldContain("not a calling card");
        CallingCards.Block(null, "x", T0).Error.ShouldBe("no such card");
    }

    [Fact]
    public void A_card_call_is_granted_what_its_balance_pays_and_the_simultaneous_use_is_its_open_holds()
    {
        var card = Issued(Command(max: 2));
        var call = new AuthorizeCall(new CallKey("c1"), "+31201234567", T0, Pin);

        var first = AccountDecider.Authorize(card, Book, call);
        first.Admitted.ShouldBeTrue();
        first.MaxDuration.ShouldBe(Duration.FromSeconds(6000)); // 2.00 EUR at 0.02/min
        card = first.Events.Aggregate(card, (a, e) => a.Apply(e));

        // The first call holds everything: a second (allowed by max 2) has no credit left.
        var second = AccountDecider.Authorize(card, Book, call with { Call = new CallKey("c2") });
        second.Refusal.ShouldBe(AdmissionRefusal.InsufficientCredit);

        // Ended after 60 s: 0.02 charged, the hold lifted, the card free again.
        var settled = AccountDecider.Settle(card, new CallKey("c1"), 0.02m, T0.Plus(Duration.FromSeconds(61)));
        card = settled.Aggregate(card, (a, e) => a.Apply(e));
        card.Balance.ShouldBe(1.98m);
        card.Reservations.ShouldBeEmpty();
        AccountDecider.Authorize(card, Book, call with { Call = new CallKey("c3") }).Admitted.ShouldBeTrue();
    }

    [Fact]
    public void Describe_gives_every_balance_change_its_cause()
    {
        CallingCards.Describe(new BalanceToppedUp("card-1", 5m, "voucher 77", T0)).ShouldBe(("top-up", 5m, "voucher 77"));
        CallingCards.Describe(new BalanceAdjusted("card-1", -1m, "goodwill reversed", T0)).ShouldBe(("adjustment", -1m, "goodwill reversed"));
        CallingCards.Describe(new CallCharged("card-1", new CallKey("call:x;y"), 0.25m, T0)).ShouldBe(("debit", -0.25m, "call call:x;y"));
        CallingCards.Describe(new CallingCardBlocked("card-1", "fraud", T0)).ShouldBe(("blocked", null, "fraud"));
    }

    [Fact]
    public void Generated_pins_are_valid_and_differ_and_the_index_is_stable()
    {
        var pins = Enumerable.Range(0, 200).Select(_ => CallingCardPin.Generate()).ToList();
        pins.ShouldAllBe(p => CallingCardPin.Problem(p) == null && p.Length == CallingCardPin.GeneratedLength && p[0] != '0');
        pins.Distinct().Count().ShouldBe(pins.Count);
        CallingCardPin.Index(Pin).ShouldBe(CallingCardPin.Index(Pin));
        CallingCardPin.Index(Pin).Length.ShouldBe(16);
        CallingCardPin.Index(Pin).ShouldNotBe(CallingCardPin.Index("73910265"));
    }
}
