using NodaTime;

namespace CallControl.Limits;

/// <summary>Which limit of a scope was hit.</summary>
public enum LimitKind
{
    /// <summary>Concurrent calls of a PBX or tenant.</summary>
    Calls,
    /// <summary>Reserved kbit/s of a PBX or tenant.</summary>
    Bandwidth,
    /// <summary>New calls within the last second of a PBX or tenant.</summary>
    CallsPerSecond,
    /// <summary>Concurrent calls of a gateway.</summary>
    Channels,
}

/// <summary>Which side of the call the scope belongs to.</summary>
public enum LinkSide { Source, Target }

/// <summary>The limit that refused a call (or that an emergency call went past), with the numbers auditors need.</summary>
/// <param name="Scope">The PBX, tenant or gateway.</param>
/// <param name="Side">Whether the scope is on the caller's or the callee's side.</param>
/// <param name="Limit">Which limit.</param>
/// <param name="LimitValue">The provisioned value (calls, kbit/s, calls per second, channels).</param>
/// <param name="CurrentValue">Usage of the scope at the moment of the decision, before this call.</param>
/// <param name="Requested">What this call would have added (1 per leg for counts; kbit/s for bandwidth).</param>
public sealed record LimitHit(ScopeId Scope, LinkSide Side, LimitKind Limit, long LimitValue, long CurrentValue, long Requested)
{
    public override string ToString() =>
        $"{Scope} {Limit} limit {LimitValue}: {CurrentValue} in use + {Requested} requested ({Side} side)";
}

/// <summary>The SIP final response the proxy sends for a refusal. The domain knows no SIP stack; the Host maps this.</summary>
/// <param name="StatusCode">503 or 486, see <see cref="AdmissionOptions"/>.</param>
/// <param name="Q850Cause">Cause for a <c>Reason: Q.850;cause=N</c> header (RFC 3326): 34 no circuit, 17 user busy.</param>
/// <param name="RetryAfter">Value of a Retry-After header, or null for none.</param>
public sealed record SipRefusal(int StatusCode, string ReasonPhrase, int Q850Cause, Duration? RetryAfter);

/// <summary>Outcome of an admission check.</summary>
public abstract record AdmissionDecision
{
    private protected AdmissionDecision() { }

    public bool IsAdmitted => this is Admitted;
}

/// <summary>The call is admitted and (in the registry) its reservation is held.</summary>
/// <param name="BypassedLimit">For an emergency call, the limit that would have refused it; null otherwise.</param>
/// <param name="AlreadyOpen">The call key was already admitted; nothing new was reserved.</param>
public sealed record Admitted(LimitHit? BypassedLimit = null, bool AlreadyOpen = false) : AdmissionDecision
{
    /// <summary>Shared instance for the common case, so admitting does not allocate a decision.</summary>
    public static readonly Admitted Plain = new();
    internal static readonly Admitted Duplicate = new(null, AlreadyOpen: true);
}

/// <summary>The call is refused: nothing was reserved.</summary>
public sealed record Refused(LimitHit Hit, SipRefusal Answer) : AdmissionDecision;

/// <summary>A target of a call with several targets that was passed over at admission because its link was at a limit.</summary>
/// <param name="TargetIndex">Its place in the failover order.</param>
public sealed record SkippedTarget(int TargetIndex, LimitHit Hit);

/// <summary>Outcome of admitting a call on the first of its targets with room.</summary>
/// <param name="Decision"><see cref="Admitted"/> (reserved on target <paramref name="TargetIndex"/>) or <see cref="Refused"/>
/// (nothing reserved; the hit of the caller's side, or of the last target when every target is full).</param>
/// <param name="TargetIndex">The target the call was admitted on; -1 when refused.</param>
/// <param name="Skipped">The targets before it that were at a limit, in order (every target when all are full).</param>
public sealed record CandidateAdmission(AdmissionDecision Decision, int TargetIndex, IReadOnlyList<SkippedTarget> Skipped);
