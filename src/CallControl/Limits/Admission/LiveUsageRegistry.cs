using System.Diagnostics;
using NodaTime;

namespace CallControl.Limits;

/// <summary>
/// In-memory registry of open dialogs and what each reserved; the live source of usage for admission.
/// </summary>
/// <remarks>
/// <para>Thread safety: one short global lock around check-and-reserve, settle and release. The critical section
/// is a few dictionary operations (well under a microsecond), far below SIP message rates on this node, and a
/// single lock cannot deadlock or admit two calls into the last slot of a scope.</para>
/// <para>Counters never drift: per-scope counters are only touched by <see cref="Apply"/>, which adds or removes
/// exactly the contribution of one dialog at the moment that dialog enters or leaves the open set. Releasing an
/// unknown or already released key finds no dialog and changes nothing. The property tests check that the
/// counters always equal a recount of <see cref="OpenDialogs"/>.</para>
/// <para>Calls per second is a sliding window of admission instants per scope. It is not derived from open
/// dialogs (a call that ended within the window still counted as a new call).</para>
/// </remarks>
public sealed class LiveUsageRegistry
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<ScopeId, Counter> _counters = new();
    private readonly AdmissionOptions _options;
    private readonly CounterView _view;
    private volatile LimitsTable _limits;

    public LiveUsageRegistry(LimitsTable limits, AdmissionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _limits = limits;
        _options = (options ?? AdmissionOptions.Default).Validate();
        _view = new CounterView(this);
    }

    /// <summary>Current limits; set a new table to apply provisioning changes (atomic swap, open calls are kept).</summary>
    public LimitsTable Limits
    {
        get => _limits;
        set => _limits = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Number of open dialogs.</summary>
    public int OpenDialogCount
    {
        get { lock (_gate) return _open.Count; }
    }

    /// <summary>
    /// Atomically decide and, when admitted, reserve for the call. A key that is already open is answered
    /// <see cref="Admitted"/> with <c>AlreadyOpen</c> and reserves nothing again.
    /// </summary>
    public AdmissionDecision TryAdmit(string callKey, AdmissionRequest request, Instant now)
    {
        ArgumentException.ThrowIfNullOrEmpty(callKey);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegative(request.EstimatedKbps);
        lock (_gate)
        {
            if (_open.ContainsKey(callKey))
                return Admitted.Duplicate;
            var decision = AdmissionDecider.Decide(_limits, _view, request, now, _options);
            if (decision is Refused)
                return decision;
            var entry = new Entry(callKey, request.Source, request.Target, request.EstimatedKbps, request.IsEmergency, now);
            _open.Add(callKey, entry);
            Apply(entry, +1, now, countAsNewCall: true);
            return decision;
        }
    }

    /// <summary>
    /// Atomically admit the call on the first of <paramref name="targets"/> (failover order) whose link has room, and
    /// reserve there (<see cref="AdmissionDecider.DecideFirstFree"/>): targets at a limit are skipped, a limit of the
    /// caller's side refuses. A key that is already open is answered <see cref="Admitted"/> with <c>AlreadyOpen</c>
    /// on the target it holds and reserves nothing again. No targets: the call's target side is unlimited.
    /// </summary>
    public CandidateAdmission TryAdmitFirstFree(
        string callKey, CallLink source, IReadOnlyList<CallLink> targets, int estimatedKbps, bool isEmergency, Instant now)
    {
        ArgumentException.ThrowIfNullOrEmpty(callKey);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentOutOfRangeException.ThrowIfNegative(estimatedKbps);
        lock (_gate)
        {
            if (_open.TryGetValue(callKey, out var open))
            {
                var held = -1;
                for (int i = 0; i < targets.Count && held < 0; i++)
                    if (targets[i] == open.Target) held = i;
                return new CandidateAdmission(Admitted.Duplicate, Math.Max(0, held), []);
            }
            var outcome = AdmissionDecider.DecideFirstFree(_limits, _view, source, targets, estimatedKbps, isEmergency, now, _options);
            if (outcome.Decision is Refused)
                return outcome;
            var target = targets.Count == 0 ? CallLink.Unlimited : targets[outcome.TargetIndex];
            var entry = new Entry(callKey, source, target, estimatedKbps, isEmergency, now);
            _open.Add(callKey, entry);
            Apply(entry, +1, now, countAsNewCall: true);
            return outcome;
        }
    }

    /// <summary>
    /// Gateway failover: move an admitted call to another target, checking only what the move adds (the new
    /// gateway's channels). When admitted the reservation moves and the new scopes count the call as a new call in
    /// their window; when refused nothing changes. Returns null when the key is not open.
    /// </summary>
    public AdmissionDecision? TryRetarget(string callKey, CallLink newTarget, Instant now)
    {
        ArgumentNullException.ThrowIfNull(callKey);
        lock (_gate)
        {
            if (!_open.TryGetValue(callKey, out var entry))
                return null;
            var current = new AdmissionRequest(entry.Source, entry.Target, entry.Kbps, entry.IsEmergency);
            var decision = AdmissionDecider.DecideRetarget(_limits, _view, current, newTarget, now, _options);
            if (decision is Refused)
                return decision;

            var moved = new Entry(entry.CallKey, entry.Source, newTarget, entry.Kbps, entry.IsEmergency, entry.AdmittedAt);
            Apply(entry, -1, now, countAsNewCall: false);
            _open[callKey] = moved;
            Apply(moved, +1, now, countAsNewCall: false);
            var windowStart = now - _options.CallsPerSecondWindow;
            var newScopes = moved.Scopes;
            for (int i = 0; i < newScopes.Length; i++)
            {
                if (newScopes[..i].Contains(newScopes[i]))
                    continue;
                var counter = _counters[newScopes[i]];
                counter.Prune(windowStart);
                for (int leg = AdmissionDecider.AddedLegs(newScopes, entry.Scopes, newScopes[i]); leg > 0; leg--)
                    counter.Window.Enqueue(now);
            }
            return decision;
        }
    }

    /// <summary>
    /// Set the call's reservation to <paramref name="newKbps"/> (answer negotiated a codec, or a re-INVITE
    /// changed it). Never refuses: a call in progress keeps going. Unknown keys change nothing.
    /// </summary>
    public Settlement Settle(string callKey, int newKbps)
    {
        ArgumentNullException.ThrowIfNull(callKey);
        ArgumentOutOfRangeException.ThrowIfNegative(newKbps);
        lock (_gate)
        {
            if (!_open.TryGetValue(callKey, out var entry))
                return new Settlement(false, 0, 0);
            int previous = entry.Kbps;
            long delta = newKbps - (long)previous;
            foreach (var scope in entry.Scopes)
                _counters[scope].Kbps += delta;
            entry.Kbps = newKbps;
            return new Settlement(true, previous, newKbps);
        }
    }

    /// <summary>
    /// Release what the call reserved. Idempotent: returns the released dialog the first time, null when the key
    /// is unknown or already released (and then changes nothing).
    /// </summary>
    public OpenDialog? Release(string callKey)
    {
        ArgumentNullException.ThrowIfNull(callKey);
        lock (_gate)
        {
            if (!_open.Remove(callKey, out var entry))
                return null;
            Apply(entry, -1, entry.AdmittedAt, countAsNewCall: false);
            return entry.ToOpenDialog();
        }
    }

    /// <summary>Live view of usage at <paramref name="now"/>. Scopes with no usage are left out.</summary>
    public UsageSnapshot Snapshot(Instant now)
    {
        lock (_gate)
        {
            var scopes = new Dictionary<ScopeId, ScopeUsage>(_counters.Count);
            foreach (var (scope, counter) in _counters)
            {
                var usage = counter.UsageAt(now - _options.CallsPerSecondWindow);
                if (usage != ScopeUsage.None)
                    scopes.Add(scope, usage);
            }
            return new UsageSnapshot(now, scopes, _open.Count);
        }
    }

    /// <summary>What the open call <paramref name="callKey"/> holds now; null when it is not open.</summary>
    public OpenDialog? Find(string callKey)
    {
        ArgumentNullException.ThrowIfNull(callKey);
        lock (_gate)
            return _open.TryGetValue(callKey, out var entry) ? entry.ToOpenDialog() : null;
    }

    /// <summary>Open dialogs (legs) counted on <paramref name="scope"/> now.</summary>
    public int ActiveCallsOf(ScopeId scope)
    {
        lock (_gate)
            return _counters.TryGetValue(scope, out var counter) ? counter.Calls : 0;
    }

    /// <summary>The open dialogs, as facts (for the live view, a dump command, or a recount).</summary>
    public IReadOnlyList<OpenDialog> OpenDialogs()
    {
        lock (_gate)
            return _open.Values.Select(e => e.ToOpenDialog()).ToList();
    }

    /// <summary>
    /// Replace everything with the given open dialogs (start-up, or a node taking over). Facts with the same key:
    /// the last one wins. Admissions within the calls-per-second window before <paramref name="now"/> are
    /// counted into the window again. Returns the number of open dialogs.
    /// </summary>
    public int Rebuild(IEnumerable<OpenDialog> dialogs, Instant now)
    {
        ArgumentNullException.ThrowIfNull(dialogs);
        var facts = dialogs.ToList(); // enumerate the caller's source outside the lock
        lock (_gate)
        {
            _open.Clear();
            _counters.Clear();
            foreach (var fact in facts)
            {
                if (_open.Remove(fact.CallKey, out var previous))
                    Apply(previous, -1, now, countAsNewCall: false);
                var entry = new Entry(fact.CallKey, fact.Source, fact.Target, Math.Max(0, fact.Kbps), fact.IsEmergency, fact.AdmittedAt);
                _open.Add(fact.CallKey, entry);
                Apply(entry, +1, now, countAsNewCall: false);
            }
            var windowStart = now - _options.CallsPerSecondWindow;
            foreach (var entry in _open.Values.Where(e => e.AdmittedAt > windowStart && e.AdmittedAt <= now).OrderBy(e => e.AdmittedAt))
                foreach (var scope in entry.Scopes)
                    _counters[scope].Window.Enqueue(entry.AdmittedAt);
            return _open.Count;
        }
    }

    private void Apply(Entry entry, int sign, Instant now, bool countAsNewCall)
    {
        var windowStart = now - _options.CallsPerSecondWindow;
        foreach (var scope in entry.Scopes)
        {
            if (!_counters.TryGetValue(scope, out var counter))
            {
                counter = new Counter();
                _counters.Add(scope, counter);
            }
            counter.Calls += sign;
            counter.Kbps += sign * (long)entry.Kbps;
            Debug.Assert(counter.Calls >= 0 && counter.Kbps >= 0, "usage counters went negative");
            if (countAsNewCall)
            {
                counter.Prune(windowStart);
                counter.Window.Enqueue(now);
            }
        }
    }

    /// <summary>
    /// The decider's view of the counters; only used under the lock. Reading prunes admissions that fell out of
    /// the window, so the count is O(1) instead of a walk over the window.
    /// </summary>
    private sealed class CounterView(LiveUsageRegistry owner) : IUsageView
    {
        public ScopeUsage UsageOf(ScopeId scope, Instant now)
        {
            if (!owner._counters.TryGetValue(scope, out var counter))
                return ScopeUsage.None;
            counter.Prune(now - owner._options.CallsPerSecondWindow);
            return new ScopeUsage(counter.Calls, counter.Kbps, counter.Window.Count);
        }
    }

    private sealed class Counter
    {
        public int Calls;
        public long Kbps;
        /// <summary>
        /// Admission instants in arrival order. Threads may pass instants a few microseconds out of order; an entry
        /// is then pruned a little late, which can only over-count (the safe side).
        /// </summary>
        public readonly Queue<Instant> Window = new();

        public void Prune(Instant windowStart)
        {
            while (Window.Count > 0 && Window.Peek() <= windowStart)
                Window.Dequeue();
        }

        public ScopeUsage UsageAt(Instant windowStart)
        {
            int recent = 0;
            foreach (var admittedAt in Window)
                if (admittedAt > windowStart) recent++;
            return new ScopeUsage(Calls, Kbps, recent);
        }
    }

    private sealed class Entry
    {
        private ScopeBuffer _scopes;
        private readonly int _scopeCount;

        public Entry(string callKey, CallLink source, CallLink target, int kbps, bool isEmergency, Instant admittedAt)
        {
            CallKey = callKey;
            Source = source;
            Target = target;
            Kbps = kbps;
            IsEmergency = isEmergency;
            AdmittedAt = admittedAt;
            Span<ScopeId> scopes = _scopes;
            int count = source.CopyScopesTo(scopes);
            _scopeCount = count + target.CopyScopesTo(scopes[count..]);
        }

        public string CallKey { get; }
        public CallLink Source { get; }
        public CallLink Target { get; }
        public int Kbps { get; set; }
        public bool IsEmergency { get; }
        public Instant AdmittedAt { get; }

        /// <summary>Every scope of both sides, with repeats when a scope is on both (counted per leg).</summary>
        public ReadOnlySpan<ScopeId> Scopes => ((ReadOnlySpan<ScopeId>)_scopes)[.._scopeCount];

        public OpenDialog ToOpenDialog() => new(CallKey, Source, Target, Kbps, IsEmergency, AdmittedAt);
    }
}
