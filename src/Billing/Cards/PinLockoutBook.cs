using NodaTime;

namespace CallControl.Billing.Cards;

/// <summary>What a wrong PIN did: its events, and the lock it caused or found (null: the source may try again).</summary>
public sealed record WrongPinOutcome(IReadOnlyList<object> Events, SourceLockState? Locked);

/// <summary>
/// The live wrong-PIN counts and locks (in memory: no database on the SIP path, DESIGN.md rule 3), rebuilt from the
/// <see cref="PinLockout"/> events at start-up. Every decision runs under one lock and applies its own events at once, so
/// parallel attempts from one source are counted one by one: exactly one of them reaches the maximum and locks.
/// </summary>
public sealed class PinLockoutBook(PinLockoutOptions options)
{
    /// <summary>How often an attempt also sweeps (expired locks recorded as lifted, quiet sources forgotten).</summary>
    public static readonly Duration SweepInterval = Duration.FromMinutes(1);

    private readonly Lock _gate = new();
    private PinLockoutState _state = PinLockoutState.Empty;
    private Instant _lastSweep = Instant.MinValue;

    public PinLockoutOptions Options => options;

    public PinLockoutState State
    {
        get { lock (_gate) return _state; }
    }

    /// <summary>Folds recorded events in (start-up), oldest first.</summary>
    public void Load(IEnumerable<object> events)
    {
        lock (_gate)
        {
            foreach (var e in events) _state = PinLockout.Apply(_state, e, options);
        }
    }

    /// <summary>Before the PIN is looked at. The events (locks found expired) must be recorded with the call's.</summary>
    public LockCheck Check(IReadOnlyList<string> sources, Instant now)
    {
        lock (_gate)
        {
            var swept = SweepIfDue(now);
            var check = PinLockout.Check(_state, sources, now);
            ApplyLocal(check.Events);
            return swept.Count == 0 ? check : check with { Events = [.. swept, .. check.Events] };
        }
    }

    public WrongPinOutcome WrongPin(IReadOnlyList<string> sources, string accessNumber, string callKey, Instant now)
    {
        lock (_gate)
        {
            var events = PinLockout.WrongPin(_state, sources, accessNumber, callKey, now, options);
            ApplyLocal(events);
            var locked = sources.Select(s => _state.Sources.GetValueOrDefault(s)).FirstOrDefault(s => s is not null && s.IsLockedAt(now));
            return new WrongPinOutcome(events, locked);
        }
    }

    /// <summary>An operator lifts a lock; no events when the source is not locked.</summary>
    public IReadOnlyList<object> Unlock(string source, string by, string reason, Instant now)
    {
        lock (_gate)
        {
            var events = PinLockout.Unlock(_state, source, by, reason, now);
            ApplyLocal(events);
            return events;
        }
    }

    /// <summary>Puts a source back as it was (an unlock whose event could not be recorded is undone).</summary>
    public void Restore(SourceLockState source)
    {
        lock (_gate) _state = _state with { Sources = _state.Sources.SetItem(source.Source, source) };
    }

    private IReadOnlyList<object> SweepIfDue(Instant now)
    {
        if (now - _lastSweep < SweepInterval) return [];
        _lastSweep = now;
        var (state, events) = PinLockout.Sweep(_state, now, options);
        _state = state;
        return events;
    }

    private void ApplyLocal(IReadOnlyList<object> events)
    {
        foreach (var e in events) _state = PinLockout.Apply(_state, e, options);
    }
}
