using System.Collections.Immutable;
using NodaTime;

namespace CallControl.Billing.Accounts;

/// <param name="Uncapped">See <see cref="CreditReserved.Uncapped"/>: no cut-off at <paramref name="Granted"/>.</param>
public sealed record Reservation(CallKey Call, decimal Amount, Duration Granted, Instant At, bool Uncapped = false);

public sealed record CallingCard(string PinHash, Instant ExpiresAt, int MaxSimultaneousUses, bool Blocked, string? BlockReason)
{
    /// <summary>Lookup key of the PIN (<see cref="CallingCardPin.Index"/>); null for cards issued without one.</summary>
    public string? PinIndex { get; init; }
}

/// <summary>
/// An account folded from its events. <see cref="Balance"/> = top-ups + adjustments - charges (negative for a postpaid
/// account that used credit); reservations are holds on top of it.
/// </summary>
public sealed record Account(
    string AccountId,
    AccountKind Kind,
    string Currency,
    decimal? CreditLimit,
    decimal Balance,
    ImmutableDictionary<CallKey, Reservation> Reservations,
    ImmutableDictionary<CallKey, decimal> Charged,
    CallingCard? Card)
{
    /// <summary>Calls charged to the account, ever (<see cref="Charged"/> may hold only those since a checkpoint).</summary>
    public long ChargedCount { get; init; }

    /// <summary>
    /// The account was restored from a checkpoint (<see cref="Charged"/> holds only calls charged after it, so start-up
    /// does not read every charge ever made). A re-rating of an older call then moves the balance by the difference its
    /// event carries (<see cref="CallReRated.PreviousAmount"/> is the call's current charge by construction).
    /// </summary>
    public bool HistoryTrimmed { get; init; }

    public decimal Reserved
    {
        get
        {
            var sum = 0m;
            foreach (var r in Reservations.Values)
            {
                sum += r.Amount;
            }
            return sum;
        }
    }

    /// <summary>What new calls may still spend: balance minus holds, plus the credit limit for postpaid.</summary>
    public decimal Available => Kind == AccountKind.Postpaid
        ? (CreditLimit ?? decimal.MaxValue / 2) + Balance - Reserved
        : Balance - Reserved;

    /// <summary>Postpaid usage counted against the credit limit: what is owed plus what is held.</summary>
    public decimal Used => Math.Max(0m, -Balance) + Reserved;

    public static Account Create(AccountOpened e) => new(
        e.AccountId, e.Kind, e.Currency, e.CreditLimit, 0m,
        ImmutableDictionary<CallKey, Reservation>.Empty, ImmutableDictionary<CallKey, decimal>.Empty, null);

    /// <summary>Folds an account stream; events recorded after <paramref name="upTo"/> are left out (the balance "as of").
    /// Null when there is no <see cref="AccountOpened"/>.</summary>
    public static Account? Fold(IEnumerable<object> events, Instant? upTo = null)
    {
        Account? account = null;
        foreach (var e in events)
        {
            if (upTo is { } limit && At(e) is { } at && at > limit)
            {
                continue;
            }
            account = e is AccountOpened opened ? account ?? Create(opened) : account?.Apply(e);
        }
        return account;
    }

    public Account Apply(object @event) => @event switch
    {
        CreditLimitChanged e => this with { CreditLimit = e.CreditLimit },
        CallingCardIssued e => this with { Card = new CallingCard(e.PinHash, e.ExpiresAt, e.MaxSimultaneousUses, false, null) { PinIndex = e.PinIndex } },
        CallingCardBlocked e when Card is not null => this with { Card = Card with { Blocked = true, BlockReason = e.Reason } },
        CallingCardUnblocked when Card is not null => this with { Card = Card with { Blocked = false, BlockReason = null } },
        BalanceToppedUp e => this with { Balance = Balance + e.Amount },
        BalanceAdjusted e => this with { Balance = Balance + e.Amount },
        CreditReserved e when !Reservations.ContainsKey(e.Call) && !Charged.ContainsKey(e.Call) =>
            this with { Reservations = Reservations.Add(e.Call, new Reservation(e.Call, e.Amount, e.Granted, e.At, e.Uncapped)) },
        CallCharged e when !Charged.ContainsKey(e.Call) =>
            this with { Balance = Balance - e.Amount, Charged = Charged.Add(e.Call, e.Amount), ChargedCount = ChargedCount + 1 },
        CreditGrantShortened e when Reservations.TryGetValue(e.Call, out var held) =>
            this with { Reservations = Reservations.SetItem(e.Call, held with { Granted = e.Granted }) },
        ReservationReleased e => this with { Reservations = Reservations.Remove(e.Call) },
        CallReRated e when Charged.TryGetValue(e.Call, out var charged) =>
            this with { Balance = Balance - (e.NewAmount - charged), Charged = Charged.SetItem(e.Call, e.NewAmount) },
        CallReRated e when HistoryTrimmed => this with { Balance = Balance - (e.NewAmount - e.PreviousAmount) },
        _ => this,
    };

    private static Instant? At(object e) => e switch
    {
        AccountOpened x => x.At,
        CreditLimitChanged x => x.At,
        CallingCardIssued x => x.At,
        CallingCardBlocked x => x.At,
        CallingCardUnblocked x => x.At,
        BalanceToppedUp x => x.At,
        BalanceAdjusted x => x.At,
        CreditReserved x => x.At,
        CallCharged x => x.At,
        CreditGrantShortened x => x.At,
        ReservationReleased x => x.At,
        CallReRated x => x.At,
        _ => null,
    };
}
