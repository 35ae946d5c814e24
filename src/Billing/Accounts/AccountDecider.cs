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
/// <param name="PostpaidHold">How much of a postpaid call (with a credit limit) is held at admission; null: <see cref="AccountDecider.DefaultPostpaidHold"/>.</param>
public sealed record AuthorizeCall(CallKey Call, string Destination, Instant Now, string? Pin = null, Duration? Ceiling = null, Duration? PostpaidHold = null);

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
    /// <summary>How much of a postpaid call is held while the credit limit covers it (see <see cref="AuthorizeCall.PostpaidHold"/>).</summary>
    public static readonly Duration DefaultPostpaidHold = Duration.FromMinutes(15);

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

        if (account.Kind == AccountKind.Postpaid && account.CreditLimit is null)
        {
            // Postpaid without a credit limit: nothing to hold, no cut-off; the rate check still refuses numbers without a rate.
            var rating = Rater.Rate(book, account.AccountId, command.Destination, command.Now, Duration.Zero);
            return rating switch
            {
                NoRate noRate => AdmissionDecision.Refuse(AdmissionRefusal.NoRate, $"{noRate.Reason}: {noRate.Detail}"),
                RatedCall rated when rated.Currency != account.Currency => AdmissionDecision.Refuse(AdmissionRefusal.CurrencyMismatch,
                    $"plan {rated.PlanId} is in {rated.Currency}, account in {account.Currency}"),
                _ => new AdmissionDecision(true, AdmissionRefusal.None, "postpaid without a credit limit", null, 0m, []),
            };
        }

        // Prepaid and calling cards: available = balance - holds; the call is cut off when its grant is used up.
        // Postpaid with a limit: available = limit - owed - holds. While the credit covers a whole hold window
        // (PostpaidHold, 15 min by default) the call holds that window's cost and is NOT cut off: the hold makes calls
        // in parallel count against the limit, new calls are refused once it is reached, and a postpaid customer's calls
        // in progress are never cut (they are invoiced). A call admitted with less than one window of credit left is
        // capped like prepaid: the last window of credit is enforced strictly. Holding the whole ceiling (3 h) instead
        // would cap concurrency at limit / (rate x 3 h): 277 calls on the demo's 1000 EUR at 0.02 EUR/min.
        var postpaid = account.Kind == AccountKind.Postpaid;
        var available = account.Available;
        var what = postpaid
            ? $"credit limit {account.CreditLimit} - owed {Math.Max(0m, -account.Balance)} - held {account.Reserved} = {available} {account.Currency} available"
            : $"balance {account.Balance} - held {account.Reserved} = {available} {account.Currency} available";
        if (postpaid && available <= 0m)
        {
            return AdmissionDecision.Refuse(AdmissionRefusal.CreditLimitReached, $"used {account.Used} of credit limit {account.CreditLimit} {account.Currency}");
        }
        var ceiling = command.Ceiling ?? Rater.DefaultCeiling;
        if (postpaid)
        {
            var window = command.PostpaidHold ?? DefaultPostpaidHold;
            if (window < ceiling) ceiling = window;
        }
        var max = Rater.MaxDuration(book, account.AccountId, command.Destination, command.Now, Math.Max(0m, available), ceiling);
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
            return postpaid
                ? AdmissionDecision.Refuse(AdmissionRefusal.CreditLimitReached,
                    $"used {account.Used} of credit limit {account.CreditLimit} {account.Currency}: {available} left does not cover the first increment to {command.Destination}")
                : AdmissionDecision.Refuse(AdmissionRefusal.InsufficientCredit,
                    $"available {available} {account.Currency} does not cover the first increment to {command.Destination}");
        }
        var uncapped = postpaid && max.LimitedBy == MaxDurationLimit.Ceiling;
        var granted = uncapped
            ? $"held {max.Duration.TotalSeconds}s (one hold window), no cut-off"
            : $"granted {max.Duration.TotalSeconds}s ({max.LimitedBy})";
        return new AdmissionDecision(true, AdmissionRefusal.None, granted, uncapped ? null : max.Duration, max.Cost,
            [new CreditReserved(account.AccountId, command.Call, max.Cost, max.Duration, command.Now,
                $"{(postpaid ? "postpaid" : "prepaid")}: {what}; {granted} for {max.Cost}", uncapped)]);
    }

    /// <summary>
    /// The call was answered at <paramref name="answeredAt"/>: the hold was priced at the INVITE, but ringing may have
    /// moved the call into another rate period. The grant is priced again from the answer instant against the same hold
    /// and shortened when the hold no longer pays for all of it (never lengthened: the hold does not grow).
    /// Returns the grant from the answer on (null when the call holds nothing) and the event that records a shortening.
    /// A destination without a rate at the answer gets a zero grant (fail closed for money, DESIGN.md rule 6).
    /// </summary>
    public static (Duration? Granted, IReadOnlyList<object> Events) Answer(Account account, TariffBook book, CallKey call, string destination,
        Instant answeredAt, Instant now)
    {
        if (!account.Reservations.TryGetValue(call, out var reservation) || reservation.Uncapped)
        {
            return (null, []);
        }
        var max = Rater.MaxDuration(book, account.AccountId, destination, answeredAt, reservation.Amount, reservation.Granted);
        var granted = max.Refusal is null && max.Currency == account.Currency ? max.Duration : Duration.Zero;
        if (granted >= reservation.Granted)
        {
            return (reservation.Granted, []);
        }
        var cause = max.Refusal is { } refusal
            ? $"no rate at the answer: {refusal.Reason}: {refusal.Detail}"
            : $"hold {reservation.Amount} {account.Currency} priced at the answer pays {granted.TotalSeconds}s ({max.LimitedBy}), not {reservation.Granted.TotalSeconds}s";
        return (granted, [new CreditGrantShortened(account.AccountId, call, reservation.Granted, granted, answeredAt, cause, now)]);
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
            events.Add(new ReservationReleased(account.AccountId, call, reservation.Amount, now, $"call charged {actualCost}"));
        }
        return events;
    }

    /// <summary>The call ended without being answered (or was refused downstream, or could not be rated): lift the hold,
    /// charge nothing. <paramref name="cause"/> goes on the event.</summary>
    public static IReadOnlyList<object> Release(Account account, CallKey call, Instant now, string cause = "call not answered") =>
        account.Reservations.TryGetValue(call, out var reservation)
            ? [new ReservationReleased(account.AccountId, call, reservation.Amount, now, cause)]
            : [];
}
