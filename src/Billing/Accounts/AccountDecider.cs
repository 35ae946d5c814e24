using CallControl.Billing.Rating;
using CallControl.Billing.Tariffs;
using NodaTime;

namespace CallControl.Billing.Accounts;

/// <summary>Why a call was not admitted.</summary>
public enum AdmissionRefusal
{
    None,
    /// <summary>The destination has no rate (see <see cref="AdmissionDecision.Detail"/>).</summary>
    NoRate,
    /// <summary>Prepaid: not even the first increment is covered.</summary>
    InsufficientCredit,
    /// <summary>Postpaid: usage has reached the credit limit.</summary>
    CreditLimitReached,
    CardExpired,
    CardBlocked,
    WrongPin,
    TooManySimultaneousCalls,
    /// <summary>A calling-card account without a card.</summary>
    NoCard,
    /// <summary>The call key was already charged: a new call must have a new key.</summary>
    CallAlreadyCharged,
    CurrencyMismatch,
}

/// <summary>Ask to admit a call for an account at <paramref name="Now"/>. <paramref name="Pin"/> only for calling cards.</summary>
public sealed record AuthorizeCall(CallKey Call, string Destination, Instant Now, string? Pin = null, Duration? Ceiling = null);

/// <summary>
/// The admission decision with its reason. <see cref="MaxDuration"/> is the prepaid cut-off (null: no limit, postpaid);
/// <see cref="Events"/> are to be appended to the account stream before the call proceeds.
/// </summary>
public sealed record AdmissionDecision(
    bool Admitted,
    AdmissionRefusal Refusal,
    string Detail,
    Duration? MaxDuration,
    decimal Reserved,
    IReadOnlyList<object> Events)
{
    internal static AdmissionDecision Refuse(AdmissionRefusal refusal, string detail) => new(false, refusal, detail, Duration.Zero, 0m, []);
}

/// <summary>Pure decisions over an <see cref="Account"/>: (state, command, now) -> events.</summary>
public static class AccountDecider
{
    public static AdmissionDecision Authorize(Account account, TariffBook book, AuthorizeCall command)
    {
        if (account.Charged.ContainsKey(command.Call))
        {
            return AdmissionDecision.Refuse(AdmissionRefusal.CallAlreadyCharged, $"call {command.Call} is already charged");
        }
        if (account.Reservations.TryGetValue(command.Call, out var existing))
        {
            // A retransmitted INVITE: same grant, nothing new to record.
            return new AdmissionDecision(true, AdmissionRefusal.None, "already reserved", existing.Granted, existing.Amount, []);
        }

        if (account.Kind == AccountKind.CallingCard)
        {
            var card = account.Card;
            if (card is null)
            {
                return AdmissionDecision.Refuse(AdmissionRefusal.NoCard, $"account {account.AccountId} has no calling card");
            }
            if (card.Blocked)
            {
                return AdmissionDecision.Refuse(AdmissionRefusal.CardBlocked, $"card blocked: {card.BlockReason}");
            }
            if (command.Now >= card.ExpiresAt)
            {
                return AdmissionDecision.Refuse(AdmissionRefusal.CardExpired, $"card expired at {card.ExpiresAt}");
            }
            if (!CallingCardPin.Matches(account.AccountId, command.Pin, card.PinHash))
            {
                return AdmissionDecision.Refuse(AdmissionRefusal.WrongPin, "PIN does not match");
            }
            if (account.Reservations.Count >= card.MaxSimultaneousUses)
            {
                return AdmissionDecision.Refuse(AdmissionRefusal.TooManySimultaneousCalls,
                    $"{account.Reservations.Count} calls in progress, card allows {card.MaxSimultaneousUses}");
            }
        }

        if (account.Kind == AccountKind.Postpaid)
        {
            if (account.CreditLimit is { } limit && account.Used >= limit)
            {
                return AdmissionDecision.Refuse(AdmissionRefusal.CreditLimitReached, $"used {account.Used} of credit limit {limit} {account.Currency}");
            }
            // Postpaid calls are not cut off; the rate check still refuses numbers without a rate.
            var rating = Rater.Rate(book, account.AccountId, command.Destination, command.Now, Duration.Zero);
            return rating switch
            {
                NoRate noRate => AdmissionDecision.Refuse(AdmissionRefusal.NoRate, $"{noRate.Reason}: {noRate.Detail}"),
                RatedCall rated when rated.Currency != account.Currency => AdmissionDecision.Refuse(AdmissionRefusal.CurrencyMismatch,
                    $"plan {rated.PlanId} is in {rated.Currency}, account in {account.Currency}"),
                _ => new AdmissionDecision(true, AdmissionRefusal.None, "postpaid within credit limit", null, 0m, []),
            };
        }

        var available = account.Available;
        var max = Rater.MaxDuration(book, account.AccountId, command.Destination, command.Now, Math.Max(0m, available),
            command.Ceiling ?? Rater.DefaultCeiling);
        if (max.Refusal is { } refusal)
        {
            return AdmissionDecision.Refuse(AdmissionRefusal.NoRate, $"{refusal.Reason}: {refusal.Detail}");
        }
        if (max.Currency != account.Currency)
        {
            return AdmissionDecision.Refuse(AdmissionRefusal.CurrencyMismatch, $"plan is in {max.Currency}, account in {account.Currency}");
        }
        if (max.Duration <= Duration.Zero)
        {
            return AdmissionDecision.Refuse(AdmissionRefusal.InsufficientCredit,
                $"available {available} {account.Currency} does not cover the first increment to {command.Destination}");
        }
        return new AdmissionDecision(true, AdmissionRefusal.None, $"granted {max.Duration.TotalSeconds}s ({max.LimitedBy})",
            max.Duration, max.Cost,
            [new CreditReserved(account.AccountId, command.Call, max.Cost, max.Duration, command.Now)]);
    }

    /// <summary>
    /// The call ended and was rated at <paramref name="actualCost"/>: debit it and lift the hold. Settling a call that
    /// is already charged yields no events, so a duplicate end-of-call charges once.
    /// </summary>
    public static IReadOnlyList<object> Settle(Account account, CallKey call, decimal actualCost, Instant now)
    {
        if (account.Charged.ContainsKey(call))
        {
            return [];
        }
        var events = new List<object>(2) { new CallCharged(account.AccountId, call, actualCost, now) };
        if (account.Reservations.TryGetValue(call, out var reservation))
        {
            events.Add(new ReservationReleased(account.AccountId, call, reservation.Amount, now));
        }
        return events;
    }

    /// <summary>The call ended without being answered (or was refused downstream): lift the hold, charge nothing.</summary>
    public static IReadOnlyList<object> Release(Account account, CallKey call, Instant now) =>
        account.Reservations.TryGetValue(call, out var reservation)
            ? [new ReservationReleased(account.AccountId, call, reservation.Amount, now)]
            : [];
}
