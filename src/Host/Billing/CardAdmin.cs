using CallControl.Billing.Accounts;
using CallControl.Billing.Cards;
using CallControl.Projections.Billing;
using Marten;
using NodaTime;

namespace CallControl.Host.Billing;

/// <summary>A card command refused because of its input: the field and why (CLI exit 2, HTTP 400).</summary>
public sealed class CardInputException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>A card was issued. <see cref="Pin"/> is returned to the caller once (to print on the card) and stored nowhere.</summary>
public sealed record IssuedCard(string CardId, string Pin, bool PinGenerated, Instant ExpiresAt, int MaxSimultaneousUses, decimal Balance, string Currency);

/// <summary>One line of a card's history: what happened, the money it moved and its cause.</summary>
public sealed record CardHistoryLine(Instant At, string What, decimal? Amount, string Cause);

/// <summary>A card as staff and card holders see it: balance, state, calls in progress, and every event with its cause.</summary>
public sealed record CardView(
    string CardId, string Currency, decimal Balance, decimal Reserved, decimal Available, Instant ExpiresAt, bool Expired,
    bool Blocked, string? BlockReason, int MaxSimultaneousUses, int CallsInProgress, IReadOnlyList<CardHistoryLine> History);

/// <summary>
/// Calling cards for staff (CLI and HTTP): issue, top up, adjust, block, unblock, show. Each change runs under the billing
/// advisory lock (<see cref="BillingAdmin"/>), decided by <see cref="CallingCards"/> from the folded state, so two
/// processes never issue the same PIN twice.
/// </summary>
public sealed class CardAdmin(BillingAdmin admin, BillingLog log, IDocumentStore store, IClock clock)
{
    /// <param name="pin">Null: a PIN is generated (<see cref="CallingCardPin.Generate"/>).</param>
    /// <param name="cardId">Null: <c>card-NNNNNN</c>, the next free number.</param>
    public Task<IssuedCard> IssueAsync(string? cardId, string? pin, Instant expiresAt, int maxSimultaneousUses, decimal balance,
        string currency = "EUR", CancellationToken ct = default)
    {
        var generated = pin is null;
        return admin.Locked(async (session, state) =>
        {
            await Task.CompletedTask;
            var id = cardId ?? NextCardId(state);
            var chosen = pin ?? GeneratePin(state);
            var outcome = CallingCards.Issue(state.Accounts.GetValueOrDefault(id), new IssueCard(id, chosen, currency, balance, expiresAt, maxSimultaneousUses),
                state.CardsByPinIndex.ContainsKey, clock.GetCurrentInstant());
            if (!outcome.IsValid) throw new CardInputException(outcome.Field!, outcome.Error!);
            session.Events.Append(BillingStreams.Account(id), outcome.Events.ToArray());
            return (new IssuedCard(id, chosen, generated, expiresAt, maxSimultaneousUses, balance, currency), true);
        }, ct);
    }

    public async Task<BalanceToppedUp> TopUpAsync(string cardId, decimal amount, string? reference, CancellationToken ct = default)
    {
        var state = await log.LoadAsync(ct: ct);
        if (state.Accounts.GetValueOrDefault(cardId) is not { Kind: AccountKind.CallingCard })
            throw new CardInputException("id", $"no calling card '{cardId}'");
        try
        {
            return await admin.TopUpAsync(cardId, amount, reference, ct);
        }
        catch (BillingInputException ex)
        {
            throw new CardInputException("amount", ex.Message);
        }
    }

    public Task<IReadOnlyList<object>> AdjustAsync(string cardId, decimal amount, string reason, CancellationToken ct = default) =>
        Change(cardId, (card, now) => CallingCards.Adjust(card, amount, reason, now), ct);

    public Task<IReadOnlyList<object>> BlockAsync(string cardId, string reason, CancellationToken ct = default) =>
        Change(cardId, (card, now) => CallingCards.Block(card, reason, now), ct);

    public Task<IReadOnlyList<object>> UnblockAsync(string cardId, CancellationToken ct = default) =>
        Change(cardId, (card, now) => CallingCards.Unblock(card, now), ct);

    /// <summary>The card with its history; debits name the call, its destination and talk time (from the rated CDR).</summary>
    public async Task<CardView?> ShowAsync(string cardId, CancellationToken ct = default)
    {
        var state = await log.LoadAsync(ct: ct);
        if (state.Accounts.GetValueOrDefault(cardId) is not { Kind: AccountKind.CallingCard, Card: { } card } account) return null;
        var events = await log.AccountStreamAsync(cardId, ct);
        await using var session = store.QuerySession();
        var rated = (await session.Query<RatedCallView>().Where(v => v.AccountId == cardId).ToListAsync(ct)).ToDictionary(v => v.Id, StringComparer.Ordinal);
        var history = new List<CardHistoryLine>();
        foreach (var e in events)
        {
            if (AccountEvents.AtOf(e) is not { } at) continue;
            var (what, amount, cause) = CallingCards.Describe(e);
            if (e is CallCharged charged && rated.TryGetValue(charged.Call.Value, out var call))
                cause = $"call to {call.Destination}, {call.Duration.TotalSeconds:0}s ({charged.Call})";
            history.Add(new CardHistoryLine(at, what, amount, cause));
        }
        var now = clock.GetCurrentInstant();
        return new CardView(cardId, account.Currency, account.Balance, account.Reserved, account.Available, card.ExpiresAt, now >= card.ExpiresAt,
            card.Blocked, card.BlockReason, card.MaxSimultaneousUses, account.Reservations.Count, history);
    }

    /// <summary>Every calling card, folded now.</summary>
    public async Task<IReadOnlyList<CardView>> ListAsync(CancellationToken ct = default)
    {
        var state = await log.LoadAsync(ct: ct);
        var now = clock.GetCurrentInstant();
        return state.Accounts.Values
            .Where(a => a is { Kind: AccountKind.CallingCard, Card: not null })
            .OrderBy(a => a.AccountId, StringComparer.Ordinal)
            .Select(a => new CardView(a.AccountId, a.Currency, a.Balance, a.Reserved, a.Available, a.Card!.ExpiresAt, now >= a.Card.ExpiresAt,
                a.Card.Blocked, a.Card.BlockReason, a.Card.MaxSimultaneousUses, a.Reservations.Count, []))
            .ToList();
    }

    private Task<IReadOnlyList<object>> Change(string cardId, Func<Account?, Instant, CardOutcome> decide, CancellationToken ct) =>
        admin.Locked<IReadOnlyList<object>>(async (session, state) =>
        {
            await Task.CompletedTask;
            var outcome = decide(state.Accounts.GetValueOrDefault(cardId), clock.GetCurrentInstant());
            if (!outcome.IsValid) throw new CardInputException(outcome.Field!, outcome.Field == "id" ? $"'{cardId}': {outcome.Error}" : outcome.Error!);
            if (outcome.Events.Count > 0) session.Events.Append(BillingStreams.Account(cardId), outcome.Events.ToArray());
            return (outcome.Events, outcome.Events.Count > 0);
        }, ct);

    private static string NextCardId(BillingState state)
    {
        for (var n = state.Accounts.Count + 1; ; n++)
        {
            var id = $"card-{n:D6}";
            if (!state.Accounts.ContainsKey(id)) return id;
        }
    }

    private static string GeneratePin(BillingState state)
    {
        while (true)
        {
            var pin = CallingCardPin.Generate();
            if (!state.CardsByPinIndex.ContainsKey(CallingCardPin.Index(pin))) return pin;
        }
    }
}

/// <summary>How card arguments are written on the CLI and over HTTP.</summary>
public static class CardText
{
    /// <summary>A date (<c>2027-12-31</c>: the card works through that UTC day) or an ISO instant; null when neither.</summary>
    public static Instant? ParseExpiry(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var date = NodaTime.Text.LocalDatePattern.Iso.Parse(text);
        if (date.Success) return date.Value.PlusDays(1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
        return BillingText.ParseInstant(text);
    }
}
