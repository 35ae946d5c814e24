using CallControl.Routing;
using CallControl.Sip.Proxy;
using NodaTime;

namespace CallControl.Host.Calls;

/// <summary>An event for a stream other than (or as well as) the call's own: an account, a PBX's usage.</summary>
public sealed record StreamEvent(string StreamKey, object Event);

/// <summary>A routed call asking to be let through.</summary>
/// <param name="IsEmergency">Emergency calls bypass credit and limits (DESIGN.md rule 6); guards still count them.</param>
public sealed record NewCall(string CallKey, InviteRequest Invite, RoutingResult Route, bool IsEmergency, Instant Now);

/// <summary>A call the event store still showed open when this controller started (taken back by <c>CallRecovery</c>),
/// as its CDR describes it. <paramref name="AnsweredAt"/> null: it was not answered (it is failed at once).
/// <paramref name="CardId"/>: the calling card that pays for it (null: not a card call; the caller's tenant pays).</summary>
public sealed record RecoveredCall(string CallKey, string? SourceTenantId, string? Destination, bool IsEmergency, Instant ReceivedAt, Instant? AnsweredAt,
    string? CardId = null);

/// <summary>A guard's answer: let the call through (maybe with a longest duration), or refuse it.</summary>
public abstract record GuardDecision
{
    /// <summary>Events that record what the guard did (a reservation, a refusal and its reason).</summary>
    public IReadOnlyList<StreamEvent> Events { get; init; } = [];

    /// <summary>Targets of the route (failover order) this guard passed over, and why: the policy marks them as skipped
    /// candidates of the call's routing record (<c>CallRouted</c> or <c>CallRejected</c>).</summary>
    public IReadOnlyList<SkippedCandidate> Skipped { get; init; } = [];
}

/// <summary>Target <paramref name="TargetIndex"/> of the route was passed over at admission; <paramref name="Reason"/> names
/// the limit, its value and the usage (e.g. <c>limit: gateway:gw-a channels 1/1 in use</c>).</summary>
public sealed record SkippedCandidate(int TargetIndex, string Reason);

/// <param name="MaxDuration">The call must be ended this long after it is answered (prepaid credit); null: no limit.</param>
public sealed record GuardAdmits(Duration? MaxDuration = null) : GuardDecision
{
    public static readonly GuardAdmits Plain = new();

    /// <summary>The target (index in the route's failover order) the call was admitted on: the proxy starts its serial
    /// failover there, the targets before it are not tried (they are in <see cref="GuardDecision.Skipped"/>). 0: the first.</summary>
    public int FirstTarget { get; init; }
}

/// <summary>Refuse the call with this SIP answer. <paramref name="Reason"/> names the limit and the value it hit.</summary>
public sealed record GuardRefuses(int StatusCode, string Reason, TimeSpan? RetryAfter = null) : GuardDecision
{
    /// <summary>Q.850 cause for the <c>Reason</c> header of the refusal (RFC 3326); null: no Reason header.</summary>
    public int? Q850Cause { get; init; }
}

/// <summary>
/// A check every routed call passes before it is forwarded, in memory (no database on the SIP path,
/// DESIGN.md rule 3): live limits, credit. What a guard reserves at <see cref="Admit"/> it must
/// release at <see cref="Release"/>, which is called exactly once for every admitted call, however it
/// ends (DESIGN.md rule 4); a duplicate release must change nothing.
/// </summary>
public interface ICallGuard
{
    string Name { get; }

    GuardDecision Admit(NewCall call);

    /// <summary>The callee answered (answer SDP in <paramref name="answerBody"/>); events to record.</summary>
    IReadOnlyList<StreamEvent> Answered(string callKey, ReadOnlyMemory<byte> answerBody, Instant now);

    /// <summary>After <see cref="Answered"/>: how long the call may still last from its answer (e.g. a prepaid grant priced
    /// again at the answer instant), or null for no limit of this guard's. Optional: the default keeps no limit.</summary>
    Duration? MaxDurationAfterAnswer(string callKey) => null;

    /// <summary>A call taken back after a restart: hold what it held before, so that its <see cref="Release"/> (its BYE,
    /// its failure, or the maximum duration) settles it once. Returns the call's grant from its answer (null: none).
    /// Optional: the default takes nothing back (the limits rebuild their counts on their own).</summary>
    Duration? Recover(RecoveredCall call) => null;

    /// <summary>A re-INVITE's offer/answer changed the session.</summary>
    IReadOnlyList<StreamEvent> Reinvited(string callKey, ReadOnlyMemory<byte> offer, ReadOnlyMemory<byte> answer, Instant now);

    /// <summary>Serial failover is about to try target <paramref name="targetIndex"/> of the call's route: move what
    /// the guard counts to that target, or refuse (the target is skipped, the call keeps what it holds). Optional:
    /// the default lets every target be tried.</summary>
    GuardDecision Retarget(string callKey, int targetIndex, Instant now) => GuardAdmits.Plain;

    /// <summary>The call is over (ended, failed, refused by a later guard): release what it holds.
    /// <paramref name="talk"/> is answer-to-end (zero when unanswered).</summary>
    IReadOnlyList<StreamEvent> Release(string callKey, Duration talk, Instant now);
}
