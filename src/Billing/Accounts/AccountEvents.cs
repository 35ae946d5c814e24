using NodaTime;

namespace CallControl.Billing.Accounts;

public enum AccountKind
{
    /// <summary>Pays in advance; calls are granted what the balance covers.</summary>
    Prepaid,
    /// <summary>Billed afterwards; new calls are refused once usage reaches the credit limit.</summary>
    Postpaid,
    /// <summary>Prepaid with a PIN, an expiry, a blocked flag and a maximum of simultaneous calls.</summary>
    CallingCard,
}

/// <summary>Identifies one call for billing (the call stream id: Call-ID + From-tag). Charging is idempotent per key.</summary>
public readonly record struct CallKey(string Value)
{
    public override string ToString() => Value;
}

// Account stream events. Amounts are in the account's currency; At is when the event was recorded.

public sealed record AccountOpened(string AccountId, AccountKind Kind, string Currency, decimal? CreditLimit, Instant At);

public sealed record CreditLimitChanged(string AccountId, decimal? CreditLimit, Instant At);

/// <param name="PinHash">See <see cref="CallingCardPin.Hash"/>; the PIN itself is never stored.</param>
/// <param name="PinIndex">See <see cref="CallingCardPin.Index"/>: finds the card from the PIN dialled (null in cards issued
/// before calls could use them: such a card cannot be found by its PIN).</param>
public sealed record CallingCardIssued(string AccountId, string PinHash, Instant ExpiresAt, int MaxSimultaneousUses, Instant At,
    string? PinIndex = null);

public sealed record CallingCardBlocked(string AccountId, string Reason, Instant At);

public sealed record CallingCardUnblocked(string AccountId, Instant At);

public sealed record BalanceToppedUp(string AccountId, decimal Amount, string Reference, Instant At);

/// <summary>A manual correction, positive (credit) or negative (debit).</summary>
public sealed record BalanceAdjusted(string AccountId, decimal Amount, string Reason, Instant At);

/// <summary>A hold of the estimated cost of <paramref name="Granted"/> for a call being set up (prepaid balance or
/// postpaid credit limit). <paramref name="Cause"/> says what was available and what stopped the grant (null in events
/// recorded before causes existed).</summary>
/// <param name="Uncapped">Postpaid hold of one hold window while the credit limit covers it: the call is not cut off at
/// <paramref name="Granted"/>, the hold only makes parallel calls count against the limit while they run.</param>
public sealed record CreditReserved(string AccountId, CallKey Call, decimal Amount, Duration Granted, Instant At, string? Cause = null, bool Uncapped = false);

/// <summary>At the answer the grant was priced again from the answer instant (ringing may have moved the call into
/// another rate period) and had to be shortened: the hold stays, the call is cut off after <paramref name="Granted"/>.</summary>
public sealed record CreditGrantShortened(string AccountId, CallKey Call, Duration PreviousGranted, Duration Granted, Instant AnsweredAt,
    string Cause, Instant At);

/// <summary>The rated cost of a finished call is debited. A second event for the same call changes nothing.</summary>
public sealed record CallCharged(string AccountId, CallKey Call, decimal Amount, Instant At);

/// <summary>The hold of a call is lifted (after its charge, because it was never answered, or because it expired).
/// <paramref name="Cause"/> says which (null in events recorded before causes existed).</summary>
public sealed record ReservationReleased(string AccountId, CallKey Call, decimal Amount, Instant At, string? Cause = null);

/// <summary>A charged call was rated again; the balance moves by <c>NewAmount - PreviousAmount</c>. Applying it twice changes nothing more.</summary>
public sealed record CallReRated(string AccountId, CallKey Call, decimal PreviousAmount, decimal NewAmount, string Reason, Instant At);
