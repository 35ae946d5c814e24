using NodaTime;

namespace CallControl.Limits;

/// <summary>Usage of one scope. Counts are per call leg: a call from a PBX to itself uses two.</summary>
/// <param name="ActiveCalls">Open dialogs (legs) on the scope.</param>
/// <param name="ReservedKbps">Sum of the kbit/s those dialogs reserved.</param>
/// <param name="NewCallsInWindow">Calls admitted within the calls-per-second window ending at the instant asked about.</param>
public readonly record struct ScopeUsage(int ActiveCalls, long ReservedKbps, int NewCallsInWindow)
{
    public static readonly ScopeUsage None = default;
}

/// <summary>Read access to usage, as the decider needs it. Implementations must not change while a decision runs.</summary>
public interface IUsageView
{
    ScopeUsage UsageOf(ScopeId scope, Instant now);
}

/// <summary>Immutable live view of usage at one instant (for the HTTP live page, and for decider tests).</summary>
public sealed record UsageSnapshot(Instant At, IReadOnlyDictionary<ScopeId, ScopeUsage> Scopes, int OpenDialogs) : IUsageView
{
    public static UsageSnapshot Empty(Instant at) => new(at, new Dictionary<ScopeId, ScopeUsage>(), 0);

    /// <summary>Usage as of <see cref="At"/>; the window count is not re-aged for a later <paramref name="now"/>.</summary>
    public ScopeUsage UsageOf(ScopeId scope, Instant now) => Scopes.GetValueOrDefault(scope);
}
