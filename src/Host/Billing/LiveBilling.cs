using CallControl.Billing.Accounts;
using CallControl.Billing.Rating;
using CallControl.Billing.Tariffs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace CallControl.Host.Billing;

/// <summary>What the credit guard asks for a finished call: the account and hold events, and the rating (null when unanswered).</summary>
public sealed record Settlement(IReadOnlyList<object> AccountEvents, RatingResult? Rating);

/// <summary>
/// The billing state the SIP path reads (never the database, DESIGN.md rule 3): the tariff book and every account,
/// folded from the billing events at start-up and kept current by following the event log, like
/// <see cref="Routing.LiveRoutingTable"/>. Decisions (authorize, settle) run under one lock, so parallel calls of one
/// account see each other's reservations; the events they make are applied here at once and skipped when they come
/// back from the log (they are equal records), so nothing is counted twice.
/// </summary>
public sealed class LiveBilling(BillingLog log, ILogger<LiveBilling> logger) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _refresh = new(1, 1);
    // Events decided here and not yet read back from the log (a multiset: equal records are counted).
    private readonly Dictionary<object, int> _pending = new();
    private volatile BillingState _state = BillingState.Empty;

    public BillingState State => _state;
    public TariffBook Book => _state.Book;
    public Account? Account(string accountId) => _state.Accounts.GetValueOrDefault(accountId);

    /// <summary>
    /// Sequences are handed out when a transaction appends, not when it commits: a top-up committed by the CLI can land
    /// below a sequence already read. Each refresh therefore reads again this far below the highest sequence seen and
    /// skips what it already applied, so a slow commit is not lost.
    /// </summary>
    public const long Lookback = 2000;

    private readonly HashSet<long> _applied = new();
    private long _bodiesRead;

    /// <summary>Event bodies the follower has read and deserialized since the start (the load not counted).</summary>
    public long BodiesRead => Interlocked.Read(ref _bodiesRead);
    private long _floor;
    private bool _loaded;

    /// <summary>How often the accounts' open state is written as a <see cref="CallControl.Projections.Billing.BillingCheckpoint"/>
    /// (from the log, not from this node's pending decisions), so a start reads it and what came after.</summary>
    public static readonly TimeSpan CheckpointInterval = TimeSpan.FromMinutes(5);

    /// <summary>A start that had to fold at least this many events writes a checkpoint at once.</summary>
    public const long CheckpointAfterEvents = 10_000;

    /// <summary>Folds in billing events committed since the last refresh. Returns true when something changed. The first
    /// refresh (start-up) starts from the last checkpoint.</summary>
    public async Task<bool> RefreshAsync(CancellationToken ct = default)
    {
        await _refresh.WaitAsync(ct);
        try
        {
            if (!_loaded) return await LoadAsync(ct);
            // Sequences first, bodies only of what is new: the lookback window is not deserialized again every poll.
            var sequences = await log.SequencesAsync(_floor, ct);
            List<long> fresh;
            lock (_gate) fresh = sequences.Where(s => !_applied.Contains(s)).ToList();
            var events = await log.ReadSequencesAsync(fresh, ct);
            Interlocked.Add(ref _bodiesRead, events.Count);
            var changed = false;
            lock (_gate)
            {
                var state = _state;
                foreach (var (sequence, e) in events)
                {
                    if (!_applied.Add(sequence)) continue;
                    changed = true;
                    if (!TakePending(e)) state = state.Apply(e);
                    if (sequence > state.Sequence) state = state with { Sequence = sequence };
                }
                _state = state;
                var floor = Math.Max(_floor, state.Sequence - Lookback);
                if (floor > _floor)
                {
                    _floor = floor;
                    _applied.RemoveWhere(s => s <= floor);
                }
            }
            if (changed)
                logger.LogInformation("Billing state now at event {Sequence}: {Plans} tariff plans, {Accounts} accounts",
                    _state.Sequence, _state.Book.PlanIds.Count(), _state.Accounts.Count);
            return changed;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var fold = await log.LoadFoldAsync(Lookback, ct);
        lock (_gate)
        {
            // Nothing was decided before the start (SIP opens after it), so there is nothing pending to merge.
            _state = fold.State;
            _floor = fold.Floor;
            _applied.Clear();
            _applied.UnionWith(fold.Applied);
            _loaded = true;
        }
        logger.LogInformation("Billing state loaded in {Ms} ms: {Events} events after the checkpoint, now at event {Sequence}: {Plans} tariff plans, {Accounts} accounts",
            watch.ElapsedMilliseconds, fold.Folded, fold.State.Sequence, fold.State.Book.PlanIds.Count(), fold.State.Accounts.Count);
        if (fold.Folded >= CheckpointAfterEvents) await log.SaveCheckpointAsync(fold, ct);
        return true;
    }

    /// <summary>Writes a checkpoint of the log as it is now (reading only what came after the last one). Off the SIP path.</summary>
    public async Task<long> CheckpointAsync(CancellationToken ct = default)
    {
        var fold = await log.LoadFoldAsync(Lookback, ct);
        if (fold.Folded > 0) await log.SaveCheckpointAsync(fold, ct);
        return fold.Folded;
    }

    /// <summary>Authorizes a call for an account (null when the account does not exist) and applies the reservation.</summary>
    public AdmissionDecision? Authorize(string accountId, AuthorizeCall command)
    {
        lock (_gate)
        {
            var state = _state;
            if (!state.Accounts.TryGetValue(accountId, out var account)) return null;
            var decision = AccountDecider.Authorize(account, state.Book, command);
            ApplyLocal(state, decision.Events);
            return decision;
        }
    }

    /// <summary>
    /// The call was answered at <paramref name="answeredAt"/>: its grant priced again from that instant against its hold
    /// (<see cref="AccountDecider.Answer"/>), shortened if needed. Null when the call holds nothing (no cut-off).
    /// </summary>
    public (Duration? Granted, IReadOnlyList<object> Events) Answer(string accountId, CallKey call, string destination, Instant answeredAt)
    {
        lock (_gate)
        {
            var state = _state;
            if (!state.Accounts.TryGetValue(accountId, out var account)) return (null, []);
            var answer = AccountDecider.Answer(account, state.Book, call, destination, answeredAt, answeredAt);
            ApplyLocal(state, answer.Events);
            return answer;
        }
    }

    /// <summary>The grant a call holds now (after any shortening at the answer); null when it holds nothing.</summary>
    public Duration? Granted(string accountId, CallKey call) =>
        _state.Accounts.GetValueOrDefault(accountId)?.Reservations.GetValueOrDefault(call) is { Uncapped: false } r ? r.Granted : null;

    /// <summary>
    /// A guarded call is over. Unanswered (<paramref name="talk"/> zero): lift the hold. Answered: rate it with the tariffs
    /// in force at the answer (<paramref name="now"/> - <paramref name="talk"/>), charge it, lift the hold. A call that is
    /// already charged yields no events (a duplicate end charges once).
    /// </summary>
    public Settlement Settle(string accountId, CallKey call, string destination, Duration talk, Instant now)
    {
        lock (_gate)
        {
            var state = _state;
            if (!state.Accounts.TryGetValue(accountId, out var account)) return new Settlement([], null);
            if (talk <= Duration.Zero)
            {
                var released = AccountDecider.Release(account, call, now);
                ApplyLocal(state, released);
                return new Settlement(released, null);
            }
            var rating = Rater.Rate(state.Book, accountId, destination, now - talk, talk);
            var events = rating is RatedCall rated
                ? AccountDecider.Settle(account, call, rated.Total, now)
                : AccountDecider.Release(account, call, now, "call could not be rated at its end");
            ApplyLocal(state, events);
            return new Settlement(events, account.Charged.ContainsKey(call) ? null : rating);
        }
    }

    /// <summary>
    /// Lifts holds whose call must be over: reserved more than grant + <paramref name="grace"/> ago (the grace covers
    /// ringing and the cut-off) and not open on this node (<paramref name="isOpen"/>: a call taken back after a restart
    /// may run past its grant, since the new proxy cannot cut it off; its end charges it and lifts its hold). Holds whose
    /// call this node does not have (its end was recorded without the release, or another process decided it) are
    /// released here. A call still open elsewhere is charged normally when it ends.
    /// </summary>
    public IReadOnlyList<object> ReleaseExpired(Instant now, Duration grace, Func<CallKey, bool>? isOpen = null)
    {
        lock (_gate)
        {
            var state = _state;
            var events = new List<object>();
            foreach (var account in state.Accounts.Values)
            {
                foreach (var r in account.Reservations.Values)
                {
                    if (r.At + r.Granted + grace < now && isOpen?.Invoke(r.Call) != true)
                        events.Add(new ReservationReleased(account.AccountId, r.Call, r.Amount, now,
                            $"expired: reserved at {r.At} for {r.Granted.TotalSeconds}s + {grace.TotalMinutes} min grace, and the call is not open here"));
                }
            }
            ApplyLocal(state, events);
            return events;
        }
    }

    private void ApplyLocal(BillingState state, IReadOnlyList<object> events)
    {
        if (events.Count == 0) return;
        foreach (var e in events)
        {
            state = state.Apply(e);
            _pending[e] = _pending.GetValueOrDefault(e) + 1;
        }
        _state = state;
    }

    private bool TakePending(object e)
    {
        if (!_pending.TryGetValue(e, out var count)) return false;
        if (count == 1) _pending.Remove(e);
        else _pending[e] = count - 1;
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval);
        var lastCheckpoint = DateTime.UtcNow;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await timer.WaitForNextTickAsync(stoppingToken)) break;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not read billing changes; calls are decided on the state we have");
            }
            if (DateTime.UtcNow - lastCheckpoint < CheckpointInterval) continue;
            lastCheckpoint = DateTime.UtcNow;
            try
            {
                await CheckpointAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not write the billing checkpoint; the next start reads more events");
            }
        }
    }
}
