using CallControl.Routing;
using NodaTime;

namespace CallControl.Calls;

/// <summary>Marker for the events of a call stream (one stream per dialog, keyed by <see cref="CallKey"/>).
/// Each event carries the tenant and PBX ids it concerns, so projections never look anything up.</summary>
public interface ICallEvent
{
    string CallKey { get; }
    Instant At { get; }
}

/// <summary>An INVITE arrived. <paramref name="Source"/> is "transport:ip:port"; the PBX/gateway/tenant ids
/// are null when the source is not provisioned.</summary>
public sealed record CallReceived(
    string CallKey, string CallId, string FromTag, string Source,
    string? SourcePbxId, string? SourceGatewayId, string? SourceTenantId,
    string Caller, string Dialled, string RequestUri, Instant At) : ICallEvent;

/// <summary>The router chose a target. <paramref name="Candidates"/> lists everything it considered and why.
/// <paramref name="TargetKind"/>: pbx, voicemail, gateway or enum; for gateways the first target is named and
/// <paramref name="Targets"/> lists every one in failover order. The optional fields were added later: older
/// events fold with their defaults.</summary>
/// <param name="NormalizedNumber">The E.164 number the dialled string became (null: it did not).</param>
/// <param name="NormalizationRule">The dialplan rule that made it (null: E.164 as dialled).</param>
/// <param name="Normalization">How it was normalized, in words.</param>
public sealed record CallRouted(
    string CallKey, string Destination, string TargetKind, string TargetId, string? TargetTenantId,
    string TargetUri, string NextHop, string Reason, IReadOnlyList<RouteCandidate> Candidates, Instant At,
    string? NormalizedNumber = null, string? NormalizationRule = null, string? Normalization = null,
    IReadOnlyList<RoutedTarget>? Targets = null, bool IsEmergency = false, string? Diversion = null) : ICallEvent;

/// <summary>One target of a routed call, in failover order: what the INVITE was sent to and where.</summary>
public sealed record RoutedTarget(string Kind, string Id, string RequestUri, string NextHop);

/// <summary>The call was refused before anything was forwarded.</summary>
public sealed record CallRejected(string CallKey, int StatusCode, string Reason, IReadOnlyList<RouteCandidate> Candidates, Instant At) : ICallEvent;

/// <summary>A forwarding attempt (a gateway, a PBX) failed; the proxy may try the next one. <paramref name="TargetKind"/>
/// and <paramref name="TargetId"/> name the target of <paramref name="AttemptIndex"/> (null in older events).</summary>
public sealed record CallAttemptFailed(string CallKey, int AttemptIndex, int StatusCode, string Reason, Instant At,
    string? TargetKind = null, string? TargetId = null) : ICallEvent;

/// <summary>The callee answered (2xx); recorded before the 2xx is relayed. <paramref name="CalleeCallId"/>: the Call-ID
/// the answering target saw when it differs from the caller's (topology hiding toward a carrier: the alias the controller
/// generated), so the carrier's CDRs can be matched; null when it is the caller's, and in older events.
/// <paramref name="Dialog"/>: the signalling state a new controller needs to carry the dialog on after a restart (null in
/// older events: such a call is then only ended by its BYE as an unknown dialog, or at the maximum call duration).</summary>
public sealed record CallAnswered(string CallKey, int AttemptIndex, Instant At, string? CalleeCallId = null, AnsweredDialog? Dialog = null) : ICallEvent;

/// <summary>The SIP dialog of an answered call as the proxy keeps it (header values as on the wire; endpoints as
/// "transport:ip:port"): route sets, remote targets, tags (in From/To), the INVITE's CSeq, and how the callee leg differs
/// (caller-ID policy, topology hiding and its Call-ID alias <see cref="CallAnswered.CalleeCallId"/>, the CSeq shift of a digest retry).</summary>
public sealed record AnsweredDialog(
    string CalleeTag, string CallerDestination, string Callee,
    string CallerFrom, string CallerTo, string CalleeTo, string? CallerContact, string? CalleeContact,
    IReadOnlyList<string> CallerRouteSet, IReadOnlyList<string> CalleeRouteSet, long CallerCSeq,
    string LegFrom, string LegTo, long LegCSeqOffset, bool HideTopology, bool RewritesHeaders);

/// <summary>The call ended unanswered: busy, no answer, cancelled by the caller, every target failed.</summary>
public sealed record CallFailed(string CallKey, int StatusCode, string Reason, string EndedBy, Instant At) : ICallEvent;

/// <summary>An answered call ended. <paramref name="EndedBy"/>: caller, callee or system.</summary>
public sealed record CallEnded(string CallKey, string EndedBy, string Reason, Duration Duration, Instant At) : ICallEvent;

public static class CallStreams
{
    /// <summary>Stream key of a dialog: Call-ID and the caller's From tag.</summary>
    public static string Key(string callId, string fromTag) => $"call:{callId};{fromTag}";
}
