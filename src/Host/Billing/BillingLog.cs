using System.Collections.Immutable;
using CallControl.Billing.Accounts;
using CallControl.Billing.Tariffs;
using CallControl.Projections;
using CallControl.Projections.Billing;
using Marten;
using Marten.Events;
using NodaTime;

namespace CallControl.Host.Billing;

/// <summary>Tariff, profile and account events in commit order: the source of every billing state.</summary>
public sealed class BillingLog(IDocumentStore store)
{
    /// <summary>Billing state events with a sequence above <paramref name="afterSequence"/>, oldest first.</summary>
    public async Task<IReadOnlyList<(long Sequence, object Event)>> ReadAsync(long afterSequence, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.Sequence > afterSequence)
            .Where(e => e.EventTypesAre(EventStoreConfiguration.BillingStateEventTypes))
            .OrderBy(e => e.Sequence)
            .ToListAsync(ct);
        return events.Select(e => (e.Sequence, e.Data)).ToList();
    }

    /// <summary>
    /// The sequences of the billing state events above <paramref name="afterSequence"/>, oldest first: columns only, no
    /// event body. The follower re-reads a lookback window below its head every poll; asking for the sequences first and
    /// then only for the bodies it has not applied (<see cref="ReadSequencesAsync"/>) keeps it from deserializing the
    /// same events again and again (at 100 calls/s the window held ~750 billing events, read twice a second).
    /// </summary>
    public async Task<IReadOnlyList<long>> SequencesAsync(long afterSequence, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        return await session.Events.QueryAllRawEvents()
            .Where(e => e.Sequence > afterSequence)
            .Where(e => e.EventTypesAre(EventStoreConfiguration.BillingStateEventTypes))
            .OrderBy(e => e.Sequence)
            .Select(e => e.Sequence)
            .ToListAsync(ct);
    }

    /// <summary>The events with these sequences (primary key lookups), oldest first.</summary>
    public async Task<IReadOnlyList<(long Sequence, object Event)>> ReadSequencesAsync(IReadOnlyCollection<long> sequences, CancellationToken ct = default)
    {
        if (sequences.Count == 0) return [];
        var wanted = sequences.ToArray();
        await using var session = store.QuerySession();
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => wanted.Contains(e.Sequence))
            .OrderBy(e => e.Sequence)
            .ToListAsync(ct);
        return events.Select(e => (e.Sequence, e.Data)).ToList();
    }

    /// <summary>The tariff book and the accounts as they were at <paramref name="asOf"/> (everything when null).</summary>
    public async Task<BillingState> LoadAsync(Instant? asOf = null, CancellationToken ct = default)
    {
        var events = await ReadAsync(0, ct);
        var state = BillingState.Empty;
        foreach (var (sequence, e) in events) state = state.Apply(e, asOf) with { Sequence = sequence };
        return state;
    }

    /// <summary>
    /// The current state for a controller's start: the last <see cref="BillingCheckpoint"/> (accounts' open state), the
    /// tariff events it covers, and the billing events after its floor, folded with the follower's rule (skip what the
    /// checkpoint already holds). Cost: the checkpoint and what was recorded since, not every account event ever.
    /// Same balances, holds and cards as <see cref="LoadAsync"/> (integration test); the accounts' <c>Charged</c> holds
    /// only the calls charged after the checkpoint.
    /// </summary>
    public async Task<LogFold> LoadFoldAsync(long lookback, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        var checkpoint = await session.LoadAsync<BillingCheckpoint>(BillingCheckpoint.LiveId, ct);
        var fold = LogFold.Empty;
        if (checkpoint is not null)
        {
            // The book from the tariff events the checkpoint covers, by sequence (primary key): no scan of the whole log.
            var covered = checkpoint.TariffSequences.ToArray();
            var tariffs = covered.Length == 0 ? [] : await session.Events.QueryAllRawEvents()
                .Where(e => covered.Contains(e.Sequence))
                .OrderBy(e => e.Sequence)
                .ToListAsync(ct);
            var state = BillingState.Empty;
            foreach (var e in tariffs) state = state.Apply(e.Data);
            state = state.Restore(checkpoint.Accounts) with { Sequence = checkpoint.Sequence };
            fold = new LogFold(state, checkpoint.Floor, [.. checkpoint.Applied], 0) { TariffSequences = [.. checkpoint.TariffSequences] };
        }
        return fold.Advance(await ReadAsync(fold.Floor, ct), lookback);
    }

    /// <summary>Stores <paramref name="fold"/> (made from the log only) as the checkpoint the next start reads.</summary>
    public async Task SaveCheckpointAsync(LogFold fold, CancellationToken ct = default)
    {
        await using var session = store.LightweightSession();
        session.Store(new BillingCheckpoint
        {
            Sequence = fold.State.Sequence, Floor = fold.Floor, Applied = [.. fold.Applied.Order()], TariffSequences = [.. fold.TariffSequences],
            Accounts = fold.State.Accounts.Values.Select(a => new AccountSnapshot(a.AccountId, a.Kind, a.Currency, a.CreditLimit, a.Balance,
                a.ChargedCount, a.Reservations.Values.ToList(), a.Card)).ToList(),
            WrittenAt = DateTimeOffset.UtcNow,
        });
        await session.SaveChangesAsync(ct);
    }

    /// <summary>The tariff book alone (plans and profiles, all versions): what rating needs, without reading every
    /// account's history.</summary>
    public async Task<TariffBook> LoadBookAsync(CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.EventTypesAre(typeof(TariffPlanImported), typeof(RatingProfileAssigned)))
            .OrderBy(e => e.Sequence)
            .ToListAsync(ct);
        var state = BillingState.Empty;
        foreach (var e in events) state = state.Apply(e.Data);
        return state.Book;
    }

    /// <summary>Every event of one account stream (also invoices and notes), oldest first.</summary>
    public async Task<IReadOnlyList<object>> AccountStreamAsync(string accountId, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(CallControl.Projections.Billing.BillingStreams.Account(accountId), token: ct);
        return events.Select(e => e.Data).ToList();
    }
}

/// <summary>
/// A fold of the billing log as the follower keeps it: the state, the floor it reads from next, the sequences above the
/// floor already folded (a transaction's sequence is taken before it commits, so a later read may find a lower one), and
/// how many events this fold took in (<see cref="Folded"/>).
/// </summary>
public sealed record LogFold(BillingState State, long Floor, ImmutableHashSet<long> Applied, long Folded)
{
    public static readonly LogFold Empty = new(BillingState.Empty, 0, [], 0);

    /// <summary>Sequences of the tariff events folded into the book (a checkpoint reads them back by key).</summary>
    public ImmutableList<long> TariffSequences { get; init; } = [];

    public LogFold Advance(IReadOnlyList<(long Sequence, object Event)> events, long lookback)
    {
        var state = State;
        var applied = Applied.ToBuilder();
        var folded = Folded;
        var tariffs = TariffSequences.ToBuilder();
        foreach (var (sequence, e) in events)
        {
            if (sequence <= Floor || !applied.Add(sequence)) continue;
            state = state.Apply(e);
            if (e is TariffPlanImported or RatingProfileAssigned) tariffs.Add(sequence);
            folded++;
            if (sequence > state.Sequence) state = state with { Sequence = sequence };
        }
        var floor = Math.Max(Floor, state.Sequence - lookback);
        return new LogFold(state, floor, applied.Where(s => s > floor).ToImmutableHashSet(), folded) { TariffSequences = tariffs.ToImmutable() };
    }
}

/// <summary>An immutable fold of the billing events: every tariff plan version and profile, every account.</summary>
public sealed record BillingState(TariffBook Book, ImmutableDictionary<string, Account> Accounts, long Sequence)
{
    public static readonly BillingState Empty = new(TariffBook.Empty, ImmutableDictionary.Create<string, Account>(StringComparer.Ordinal), 0);

    /// <summary>Calling cards by <see cref="CallingCardPin.Index"/> of their PIN -> card account id (changes only when a
    /// card is issued, so the card guard finds a card with one lookup).</summary>
    public ImmutableDictionary<string, string> CardsByPinIndex { get; init; } = ImmutableDictionary.Create<string, string>(StringComparer.Ordinal);

    /// <summary>The accounts of a checkpoint (their calls charged before it are not kept: <see cref="Account.HistoryTrimmed"/>).</summary>
    public BillingState Restore(IEnumerable<AccountSnapshot> accounts)
    {
        var all = Accounts.ToBuilder();
        var index = CardsByPinIndex.ToBuilder();
        foreach (var a in accounts)
        {
            all[a.AccountId] = new Account(a.AccountId, a.Kind, a.Currency, a.CreditLimit, a.Balance,
                a.Reservations.ToImmutableDictionary(r => r.Call), ImmutableDictionary<CallKey, decimal>.Empty, a.Card)
            {
                ChargedCount = a.ChargedCount, HistoryTrimmed = true,
            };
            if (a.Card?.PinIndex is { } pin) index[pin] = a.AccountId;
        }
        return this with { Accounts = all.ToImmutable(), CardsByPinIndex = index.ToImmutable() };
    }

    /// <summary>Applies one event; events recorded after <paramref name="asOf"/> are left out.</summary>
    public BillingState Apply(object e, Instant? asOf = null)
    {
        switch (e)
        {
            case TariffPlanImported or RatingProfileAssigned:
                return this with { Book = Book.Apply(e, asOf) };
            case AccountOpened opened:
                if (asOf is { } t && opened.At > t) return this;
                return Accounts.ContainsKey(opened.AccountId) ? this : this with { Accounts = Accounts.Add(opened.AccountId, Account.Create(opened)) };
            default:
                if (AccountEvents.AccountIdOf(e) is not { } id || !Accounts.TryGetValue(id, out var account)) return this;
                if (asOf is { } limit && AccountEvents.AtOf(e) is { } at && at > limit) return this;
                var next = this with { Accounts = Accounts.SetItem(id, account.Apply(e)) };
                return e is CallingCardIssued issued ? next.IndexCard(account, issued) : next;
        }
    }

    private BillingState IndexCard(Account before, CallingCardIssued issued)
    {
        var index = CardsByPinIndex;
        if (before.Card?.PinIndex is { } old && index.TryGetValue(old, out var owner) && owner == issued.AccountId) index = index.Remove(old);
        if (issued.PinIndex is { } key) index = index.SetItem(key, issued.AccountId);
        return this with { CardsByPinIndex = index };
    }
}

/// <summary>The account id and instant every account event carries.</summary>
public static class AccountEvents
{
    public static string? AccountIdOf(object e) => e switch
    {
        AccountOpened x => x.AccountId,
        CreditLimitChanged x => x.AccountId,
        CallingCardIssued x => x.AccountId,
        CallingCardBlocked x => x.AccountId,
        CallingCardUnblocked x => x.AccountId,
        BalanceToppedUp x => x.AccountId,
        BalanceAdjusted x => x.AccountId,
        CreditReserved x => x.AccountId,
        CreditGrantShortened x => x.AccountId,
        CallCharged x => x.AccountId,
        ReservationReleased x => x.AccountId,
        CallReRated x => x.AccountId,
        _ => null,
    };

    public static Instant? AtOf(object e) => e switch
    {
        AccountOpened x => x.At,
        CreditLimitChanged x => x.At,
        CallingCardIssued x => x.At,
        CallingCardBlocked x => x.At,
        CallingCardUnblocked x => x.At,
        BalanceToppedUp x => x.At,
        BalanceAdjusted x => x.At,
        CreditReserved x => x.At,
        CreditGrantShortened x => x.At,
        CallCharged x => x.At,
        ReservationReleased x => x.At,
        CallReRated x => x.At,
        _ => null,
    };
}
