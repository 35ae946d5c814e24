using System.Collections.Immutable;
using NodaTime;

namespace CallControl.Billing.Cards;

// Streams cardsource:<source> (PinLockout.Stream). The PIN is never in these events: a wrong PIN names no card either.

/// <summary>A calling-card attempt from <paramref name="Source"/> dialled a PIN no card has (or that did not match).</summary>
/// <param name="FailuresInWindow">Wrong PINs of this source in the window, this one included.</param>
public sealed record CardPinRejected(string Source, string AccessNumber, string CallKey, int FailuresInWindow, string Reason, Instant At);

/// <summary>Card calls from <paramref name="Source"/> are refused until <paramref name="Until"/> without looking at the PIN.</summary>
public sealed record CardSourceLocked(string Source, Instant Until, int Failures, Duration Window, string Reason, Instant At);

/// <summary>A lock was lifted: by an operator (<paramref name="By"/> names them), or found expired (<c>system</c>).</summary>
public sealed record CardSourceUnlocked(string Source, string By, string Reason, Instant At);

/// <summary>Wrong PINs that lock a source: <paramref name="MaxFailures"/> in <paramref name="Window"/> lock it for
/// <paramref name="LockFor"/>. <paramref name="MaxFailures"/> 0 turns the rule off.</summary>
public sealed record LockoutRule(int MaxFailures, Duration Window, Duration LockFor)
{
    public bool Enabled => MaxFailures > 0;

    /// <summary>Null when valid, else what is wrong (the caller names the setting).</summary>
    public string? Problem() =>
        MaxFailures is < 0 or > 10_000 ? $"failures must be 0 (off) to 10000, got {MaxFailures}"
        : Window < Duration.FromSeconds(1) || Window > Duration.FromDays(1) ? $"window must be 1 s to 1 day, got {Window}"
        : LockFor < Duration.FromSeconds(1) || LockFor > Duration.FromDays(7) ? $"lock time must be 1 s to 7 days, got {LockFor}"
        : null;
}

/// <summary>
/// Two rules (docs/decisions.md, "Calling cards: wrong PINs"): per caller (<c>pbx:acme-hq/1001</c>: the trunk and the
/// From user), strict, so one guesser is stopped without touching the other callers of that PBX; and per trunk
/// (<c>pbx:acme-hq</c>, <c>gateway:gw-a</c>), looser, because the From user is the caller's to choose and a guesser who
/// changes it every few tries would never reach the caller rule.
/// </summary>
public sealed record PinLockoutOptions(LockoutRule Caller, LockoutRule Trunk)
{
    public static readonly PinLockoutOptions Default = new(
        new LockoutRule(5, Duration.FromMinutes(10), Duration.FromMinutes(30)),
        new LockoutRule(20, Duration.FromMinutes(10), Duration.FromMinutes(30)));

    public LockoutRule RuleFor(string source) => PinLockout.IsCallerSource(source) ? Caller : Trunk;

    /// <summary>How far back the events that can still matter go (the longest window plus the longest lock).</summary>
    public Duration Horizon => Duration.Max(Caller.Window, Trunk.Window) + Duration.Max(Caller.LockFor, Trunk.LockFor);
}

/// <param name="Failures">Instants of the wrong PINs still in the window, oldest first (cleared by a lock).</param>
public sealed record SourceLockState(string Source, ImmutableList<Instant> Failures, Instant? LockedAt, Instant? LockedUntil, string? LockReason)
{
    public static SourceLockState New(string source) => new(source, ImmutableList<Instant>.Empty, null, null, null);
    public bool IsLockedAt(Instant now) => LockedUntil is { } until && now < until;
}

/// <summary>Wrong-PIN counts and locks of every source with something in its window or a lock.</summary>
public sealed record PinLockoutState(ImmutableDictionary<string, SourceLockState> Sources)
{
    public static readonly PinLockoutState Empty = new(ImmutableDictionary.Create<string, SourceLockState>(StringComparer.Ordinal));
}

/// <summary>The outcome of looking at a source before its PIN: the lock that refuses it (null: go on), and the events
/// (a lock found expired is recorded as lifted).</summary>
public sealed record LockCheck(SourceLockState? Locked, IReadOnlyList<object> Events);

/// <summary>
/// Pure decisions of the calling-card PIN lockout: (state, attempt, now) -> events, and the fold. A source is counted in a
/// sliding window (every wrong PIN's instant is kept until it leaves the window); the wrong PIN that reaches the rule's
/// maximum locks the source; the lock consumes the failures, so after it ends the count starts from zero. A correct PIN
/// does not reset the count: a guesser who owns one cheap card would otherwise slip a good call in every few guesses.
/// </summary>
public static class PinLockout
{
    public static string Stream(string source) => $"cardsource:{source}";

    /// <summary>The trunk's key: <c>pbx:&lt;id&gt;</c> or <c>gateway:&lt;id&gt;</c>.</summary>
    public static string TrunkSource(string kind, string id) => $"{kind}:{id}";

    /// <summary>The caller's key: trunk and From user (<c>pbx:acme-hq/1001</c>); an empty user is <c>anonymous</c>.</summary>
    public static string CallerSource(string trunk, string? fromUser)
    {
        var user = new string((fromUser ?? "").Where(c => c > ' ' && c < 127).Take(64).ToArray());
        return $"{trunk}/{(user.Length == 0 ? "anonymous" : user)}";
    }

    public static bool IsCallerSource(string source) => source.Contains('/');

    /// <summary>Before the PIN is looked at: is any of <paramref name="sources"/> locked at <paramref name="now"/>?</summary>
    public static LockCheck Check(PinLockoutState state, IReadOnlyList<string> sources, Instant now)
    {
        var events = new List<object>();
        SourceLockState? locked = null;
        foreach (var source in sources)
        {
            if (!state.Sources.TryGetValue(source, out var s) || s.LockedUntil is not { } until) continue;
            if (now < until) locked ??= s;
            else events.Add(new CardSourceUnlocked(source, "system", $"lock expired at {until}", now));
        }
        return new LockCheck(locked, events);
    }

    /// <summary>A wrong PIN from <paramref name="sources"/>: one <see cref="CardPinRejected"/> per source, and a
    /// <see cref="CardSourceLocked"/> for each source this failure takes to its rule's maximum (not for one locked already).</summary>
    public static IReadOnlyList<object> WrongPin(PinLockoutState state, IReadOnlyList<string> sources, string accessNumber, string callKey,
        Instant now, PinLockoutOptions options)
    {
        var events = new List<object>();
        foreach (var source in sources)
        {
            var rule = options.RuleFor(source);
            var s = state.Sources.GetValueOrDefault(source) ?? SourceLockState.New(source);
            var count = s.Failures.Count(f => f > now - rule.Window) + 1;
            var scope = IsCallerSource(source) ? "caller" : "trunk";
            if (s.IsLockedAt(now))
            {
                events.Add(new CardPinRejected(source, accessNumber, callKey, count, $"wrong PIN ({scope}); source locked until {s.LockedUntil} already", now));
                continue;
            }
            var limit = rule.Enabled ? $"{count} of {rule.MaxFailures} allowed in {Minutes(rule.Window)}" : $"{count} in {Minutes(rule.Window)}, no {scope} lock";
            events.Add(new CardPinRejected(source, accessNumber, callKey, count, $"wrong PIN ({scope}): {limit}", now));
            if (rule.Enabled && count >= rule.MaxFailures)
                events.Add(new CardSourceLocked(source, now + rule.LockFor, count, rule.Window,
                    $"too many wrong PINs ({scope}): {count} in {Minutes(rule.Window)}; card calls refused for {Minutes(rule.LockFor)}", now));
        }
        return events;
    }

    /// <summary>An operator lifts a lock. Nothing when <paramref name="source"/> is not locked at <paramref name="now"/>.</summary>
    public static IReadOnlyList<object> Unlock(PinLockoutState state, string source, string by, string reason, Instant now) =>
        state.Sources.TryGetValue(source, out var s) && s.IsLockedAt(now)
            ? [new CardSourceUnlocked(source, by, $"lifted by {by}: {reason} (was locked until {s.LockedUntil})", now)]
            : [];

    public static PinLockoutState Apply(PinLockoutState state, object e, PinLockoutOptions options)
    {
        switch (e)
        {
            case CardPinRejected x:
            {
                var window = options.RuleFor(x.Source).Window;
                var s = state.Sources.GetValueOrDefault(x.Source) ?? SourceLockState.New(x.Source);
                var failures = s.Failures.RemoveAll(f => f <= x.At - window).Add(x.At);
                return state with { Sources = state.Sources.SetItem(x.Source, s with { Failures = failures }) };
            }
            case CardSourceLocked x:
            {
                var s = state.Sources.GetValueOrDefault(x.Source) ?? SourceLockState.New(x.Source);
                return state with
                {
                    Sources = state.Sources.SetItem(x.Source,
                        s with { Failures = ImmutableList<Instant>.Empty, LockedAt = x.At, LockedUntil = x.Until, LockReason = x.Reason }),
                };
            }
            case CardSourceUnlocked x:
                return state with { Sources = state.Sources.Remove(x.Source) };
            default:
                return state;
        }
    }

    /// <summary>Sweep: every lock that has run out is recorded as lifted, and sources with no lock and no wrong PIN left
    /// in their window are forgotten (memory stays bounded when a guesser changes From user on every try).</summary>
    public static (PinLockoutState State, IReadOnlyList<object> Events) Sweep(PinLockoutState state, Instant now, PinLockoutOptions options)
    {
        var events = new List<object>();
        var forget = new List<string>();
        foreach (var s in state.Sources.Values)
        {
            if (s.LockedUntil is { } until)
            {
                if (now >= until) events.Add(new CardSourceUnlocked(s.Source, "system", $"lock expired at {until}", now));
            }
            else if (s.Failures.All(f => f <= now - options.RuleFor(s.Source).Window))
            {
                forget.Add(s.Source);
            }
        }
        state = state with { Sources = state.Sources.RemoveRange(forget) };
        foreach (var e in events) state = Apply(state, e, options);
        return (state, events);
    }

    private static string Minutes(Duration d) =>
        d.TotalMinutes >= 1 && d.TotalMinutes == Math.Floor(d.TotalMinutes) ? $"{d.TotalMinutes:0} min" : $"{d.TotalSeconds:0} s";
}
