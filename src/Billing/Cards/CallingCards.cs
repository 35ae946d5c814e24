using CallControl.Billing.Accounts;
using NodaTime;

namespace CallControl.Billing.Cards;

/// <summary>Issue a calling card: a <see cref="AccountKind.CallingCard"/> account with a PIN, an expiry, a maximum of
/// simultaneous calls and an opening balance. The PIN is only hashed into the events.</summary>
public sealed record IssueCard(string CardId, string Pin, string Currency, decimal Balance, Instant ExpiresAt, int MaxSimultaneousUses);

/// <summary>A card command's outcome: the events to append, or the field that is wrong and why.</summary>
public sealed record CardOutcome(IReadOnlyList<object> Events, string? Field = null, string? Error = null)
{
    public bool IsValid => Error is null;
    internal static CardOutcome Refused(string field, string error) => new([], field, error);
}

/// <summary>
/// Pure decisions for calling cards: (state, command, now) -> events. The call-time decisions (expired, blocked, PIN,
/// simultaneous use, credit) are <see cref="AccountDecider.Authorize"/>'s; these are the staff's.
/// </summary>
public static class CallingCards
{
    public const int MaxSimultaneousLimit = 100;

    /// <param name="existing">The account with that id, if any.</param>
    /// <param name="pinIndexTaken">Whether a card already has this PIN (by <see cref="CallingCardPin.Index"/>): a PIN
    /// must name one card.</param>
    public static CardOutcome Issue(Account? existing, IssueCard command, Func<string, bool> pinIndexTaken, Instant now)
    {
        if (!IsValidId(command.CardId)) return CardOutcome.Refused("id", $"card id '{command.CardId}' must be lower-case [a-z0-9._-], at most 63 characters");
        if (existing is not null) return CardOutcome.Refused("id", $"account '{command.CardId}' exists already");
        if (CallingCardPin.Problem(command.Pin) is { } pinProblem) return CardOutcome.Refused("pin", pinProblem);
        if (command.Currency.Length != 3 || !command.Currency.All(char.IsAsciiLetterUpper))
            return CardOutcome.Refused("currency", $"'{command.Currency}' is not an ISO 4217 code such as EUR");
        if (command.Balance < 0) return CardOutcome.Refused("balance", $"opening balance {command.Balance} is negative");
        if (command.ExpiresAt <= now) return CardOutcome.Refused("expires", $"expiry {command.ExpiresAt} is not in the future");
        if (command.MaxSimultaneousUses is < 1 or > MaxSimultaneousLimit)
            return CardOutcome.Refused("maxSimultaneous", $"{command.MaxSimultaneousUses} simultaneous calls: give 1 to {MaxSimultaneousLimit}");
        var index = CallingCardPin.Index(command.Pin);
        if (pinIndexTaken(index)) return CardOutcome.Refused("pin", "another card has this PIN; choose another (or let one be generated)");

        var id = command.CardId;
        var events = new List<object>
        {
            new AccountOpened(id, AccountKind.CallingCard, command.Currency, null, now),
            new CallingCardIssued(id, CallingCardPin.Hash(id, command.Pin), command.ExpiresAt, command.MaxSimultaneousUses, now, index),
        };
        if (command.Balance > 0) events.Add(new BalanceToppedUp(id, command.Balance, "card issued", now));
        return new CardOutcome(events);
    }

    /// <summary>Refuses new calls of the card (calls in progress go on). Blocking a blocked card records nothing.</summary>
    public static CardOutcome Block(Account? card, string reason, Instant now)
    {
        if (Check(card) is { } refused) return refused;
        if (string.IsNullOrWhiteSpace(reason)) return CardOutcome.Refused("reason", "say why the card is blocked (lost, fraud, ...)");
        return card!.Card!.Blocked ? new CardOutcome([]) : new CardOutcome([new CallingCardBlocked(card.AccountId, reason.Trim(), now)]);
    }

    public static CardOutcome Unblock(Account? card, Instant now)
    {
        if (Check(card) is { } refused) return refused;
        return card!.Card!.Blocked ? new CardOutcome([new CallingCardUnblocked(card.AccountId, now)]) : new CardOutcome([]);
    }

    /// <summary>A manual correction with its reason: positive credits the card, negative debits it.</summary>
    public static CardOutcome Adjust(Account? card, decimal amount, string reason, Instant now)
    {
        if (Check(card) is { } refused) return refused;
        if (amount == 0) return CardOutcome.Refused("amount", "an adjustment of 0 changes nothing");
        if (string.IsNullOrWhiteSpace(reason)) return CardOutcome.Refused("reason", "an adjustment needs its reason");
        return new CardOutcome([new BalanceAdjusted(card!.AccountId, amount, reason.Trim(), now)]);
    }

    /// <summary>What a card's event did to it, in words (for the history a card holder or auditor reads).</summary>
    public static (string What, decimal? Amount, string Cause) Describe(object e) => e switch
    {
        AccountOpened x => ("opened", null, $"calling card in {x.Currency}"),
        CallingCardIssued x => ("issued", null, $"expires {x.ExpiresAt}, at most {x.MaxSimultaneousUses} call(s) at once"),
        CallingCardBlocked x => ("blocked", null, x.Reason),
        CallingCardUnblocked => ("unblocked", null, "new calls allowed again"),
        BalanceToppedUp x => ("top-up", x.Amount, x.Reference),
        BalanceAdjusted x => ("adjustment", x.Amount, x.Reason),
        CreditReserved x => ("hold", -x.Amount, $"call {x.Call} granted {x.Granted.TotalSeconds:0}s"),
        ReservationReleased x => ("hold lifted", x.Amount, $"call {x.Call}"),
        CallCharged x => ("debit", -x.Amount, $"call {x.Call}"),
        CallReRated x => ("re-rated", x.PreviousAmount - x.NewAmount, $"call {x.Call}: {x.Reason}"),
        _ => (e.GetType().Name, null, ""),
    };

    private static CardOutcome? Check(Account? card) =>
        card is null ? CardOutcome.Refused("id", "no such card")
        : card.Kind != AccountKind.CallingCard || card.Card is null ? CardOutcome.Refused("id", $"account '{card.AccountId}' is not a calling card")
        : null;

    internal static bool IsValidId(string id) =>
        id.Length is > 0 and <= 63 && id.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '_' or '-');
}
