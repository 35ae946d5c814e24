using NodaTime;

namespace CallControl.Limits;

/// <summary>
/// How refusals are answered and how the calls-per-second window is measured.
/// </summary>
/// <remarks>
/// Answer choice (see docs/bandwidth.md, "Refusals"):
/// <list type="bullet">
/// <item>Caller's own PBX or tenant is over a limit: <b>503 Service Unavailable + Retry-After</b>. The thing
/// that is full is the caller's link into us, so telling that PBX to hold off (RFC 3261 §21.5.4) is exactly
/// right; Retry-After is short for calls-per-second (the window is one second) and longer for calls/bandwidth.</item>
/// <item>Callee's PBX or tenant is over a limit: <b>486 Busy Here</b> (Q.850 17, user busy, RFC 3398 mapping).
/// The caller's link is fine; a 503 would make the caller's PBX back off from the whole controller
/// (RFC 3263 failover) for a problem that belongs to one callee.</item>
/// <item>Target gateway out of channels: <b>503 without Retry-After</b> (Q.850 34, no circuit available,
/// RFC 3398). Routing normally tries the next gateway first; a Retry-After here would again back off the caller
/// from everything.</item>
/// </list>
/// </remarks>
public sealed record AdmissionOptions
{
    public static readonly AdmissionOptions Default = new();

    /// <summary>Retry-After for a caller over its concurrent-calls or bandwidth limit.</summary>
    public Duration CapacityRetryAfter { get; init; } = Duration.FromSeconds(5);

    /// <summary>Retry-After for a caller over its calls-per-second limit.</summary>
    public Duration CallsPerSecondRetryAfter { get; init; } = Duration.FromSeconds(1);

    /// <summary>Length of the sliding window for calls per second.</summary>
    public Duration CallsPerSecondWindow { get; init; } = Duration.FromSeconds(1);

    /// <summary>Throws with the name of the first bad setting.</summary>
    public AdmissionOptions Validate()
    {
        if (CapacityRetryAfter < Duration.Zero || CapacityRetryAfter > Duration.FromHours(1))
            throw new ArgumentOutOfRangeException(nameof(CapacityRetryAfter), CapacityRetryAfter, "Limits:CapacityRetryAfter must be between 0 and 1 hour.");
        if (CallsPerSecondRetryAfter < Duration.Zero || CallsPerSecondRetryAfter > Duration.FromHours(1))
            throw new ArgumentOutOfRangeException(nameof(CallsPerSecondRetryAfter), CallsPerSecondRetryAfter, "Limits:CallsPerSecondRetryAfter must be between 0 and 1 hour.");
        if (CallsPerSecondWindow <= Duration.Zero || CallsPerSecondWindow > Duration.FromMinutes(1))
            throw new ArgumentOutOfRangeException(nameof(CallsPerSecondWindow), CallsPerSecondWindow, "Limits:CallsPerSecondWindow must be above 0 and at most 1 minute.");
        return this;
    }

    internal SipRefusal AnswerFor(LimitHit hit) => hit switch
    {
        { Side: LinkSide.Source, Limit: LimitKind.CallsPerSecond } =>
            new SipRefusal(503, "Service Unavailable", 34, CallsPerSecondRetryAfter),
        { Side: LinkSide.Source } =>
            new SipRefusal(503, "Service Unavailable", 34, CapacityRetryAfter),
        { Scope.Kind: ScopeKind.Gateway } =>
            new SipRefusal(503, "Service Unavailable", 34, null),
        _ => new SipRefusal(486, "Busy Here", 17, null),
    };
}
