using System.Net;

namespace CallControl.Sip.Proxy;

/// <summary>Transport a SIP message arrived on or is sent over.</summary>
public enum SipTransport { Udp, Tcp, Tls }

/// <summary>A remote or local SIP address: IP, port and transport.</summary>
public readonly record struct SipEndpoint(IPAddress Address, int Port, SipTransport Transport)
{
    public override string ToString() => $"{Transport.ToString().ToLowerInvariant()}:{Address}:{Port}";
}

/// <summary>Identifies a dialog the proxy tracks: Call-ID plus the caller's From tag.</summary>
public readonly record struct DialogKey(string CallId, string FromTag)
{
    public override string ToString() => $"{CallId};{FromTag}";
}

/// <summary>Which side of a proxied dialog did something (hung up, sent a request).</summary>
public enum DialogParty { Caller, Callee, Proxy }

/// <summary>What the proxy core knows about a new (out-of-dialog) INVITE when it asks where it goes.</summary>
/// <param name="RequestUri">The Request-URI as received, e.g. <c>sip:+31205550200@127.0.0.1:5060</c>.</param>
/// <param name="RequestUriUser">User part of the Request-URI (the dialled number), unescaped.</param>
/// <param name="FromUri">URI of the From header.</param>
/// <param name="FromUser">User part of the From URI (the caller's number or extension).</param>
/// <param name="Body">Message body (SDP offer) as bytes; empty when there is none.</param>
public sealed record InviteRequest(
    DialogKey Key,
    SipEndpoint Source,
    string RequestUri,
    string RequestUriUser,
    string FromUri,
    string FromUser,
    string? FromDisplayName,
    string ToUri,
    string ToUser,
    string? ContentType,
    ReadOnlyMemory<byte> Body);

/// <summary>The policy's answer to "where does this INVITE go?".</summary>
public abstract record RouteDecision;

/// <summary>Answer the caller with a final error response; nothing is forwarded.</summary>
public sealed record RejectInvite(int StatusCode, string ReasonPhrase, TimeSpan? RetryAfter = null) : RouteDecision;

/// <summary>Forward to the targets in order (serial failover): the next one is tried after a
/// 408, a 5xx, a transport error or <see cref="ForwardTarget.NoAnswerTimeout"/> on the current one.</summary>
public sealed record ForwardInvite(IReadOnlyList<ForwardTarget> Targets) : RouteDecision
{
    /// <summary>End the dialog this long after it is answered (prepaid credit, maximum call duration): BYE to
    /// both parties, then <see cref="IProxyPolicy.OnEndedAsync"/> with <see cref="DialogParty.Proxy"/>. Null: no limit.</summary>
    public TimeSpan? MaxDuration { get; init; }
}

/// <summary>Digest credentials to answer a target's 401/407 challenge with (RFC 3261 §22.2).</summary>
public sealed record DigestCredentials(string Username, string Password, string? Realm = null);

/// <param name="RequestUri">Request-URI to put on the forwarded INVITE.</param>
/// <param name="Destination">Where to send it (next hop).</param>
/// <param name="NoAnswerTimeout">Give up on this target when no final response came in this time
/// (null: only the transaction's Timer C/B applies).</param>
/// <param name="ExtraHeaders">Headers to add to the forwarded INVITE (e.g. Diversion), raw "Name: value".</param>
public sealed record ForwardTarget(
    string RequestUri,
    SipEndpoint Destination,
    TimeSpan? NoAnswerTimeout = null,
    IReadOnlyList<string>? ExtraHeaders = null)
{
    /// <summary>Answer this target's 401/407 once with these credentials (gateways of carriers).</summary>
    public DigestCredentials? Credentials { get; init; }

    /// <summary>Caller-ID policy: present this number as the From user and in P-Asserted-Identity. Null: unchanged.</summary>
    public string? PresentedCaller { get; init; }

    /// <summary>Topology hiding toward carriers: the target sees no Via, Record-Route or Contact of the
    /// caller's side, only the controller.</summary>
    public bool HideTopology { get; init; }
}

/// <summary>
/// The proxy core's only view of the domain. The SIP stack knows nothing of tenants or money: it
/// asks this policy what to do with a new INVITE and reports what happens to the dialog. Every
/// method's returned task completes only when what it reports is durable (write-ahead): the proxy
/// forwards the INVITE after <see cref="RouteAsync"/> completes and relays a 2xx after
/// <see cref="OnAnsweredAsync"/> completes.
/// </summary>
public interface IProxyPolicy
{
    /// <summary>Decide where a new INVITE goes. Called once per dialog (not for retransmissions).</summary>
    ValueTask<RouteDecision> RouteAsync(InviteRequest invite, CancellationToken ct);

    /// <summary>Target number <paramref name="targetIndex"/> failed (final non-2xx, timeout or transport
    /// error); the proxy moves on to the next target if there is one.</summary>
    ValueTask OnAttemptFailedAsync(DialogKey key, int targetIndex, int statusCode, string reason);

    /// <summary>A target answered with 2xx. The 2xx is relayed to the caller after this completes.</summary>
    ValueTask OnAnsweredAsync(DialogKey key, int targetIndex, ReadOnlyMemory<byte> answerBody);

    /// <summary>Asked once right after <see cref="OnAnsweredAsync"/> completed: the dialog's maximum duration counted from
    /// the answer, replacing <see cref="ForwardInvite.MaxDuration"/> (a limit decided at the INVITE may need another value
    /// once the answer instant is known). Null keeps <see cref="ForwardInvite.MaxDuration"/>. Optional: the default keeps it.</summary>
    TimeSpan? MaxDurationAfterAnswer(DialogKey key) => null;

    /// <summary>The INVITE ended without an answer: all targets failed, or the caller cancelled (487).
    /// <paramref name="statusCode"/> is the final response relayed to the caller. Also called (with
    /// <see cref="DialogParty.Proxy"/>) after a <see cref="RejectInvite"/> was sent or when <see cref="RouteAsync"/>
    /// threw (500), so every routed dialog gets exactly one of OnFailedAsync or OnAnsweredAsync.
    /// <paramref name="endedBy"/>: Caller for CANCEL, Callee when the target's final response is relayed, Proxy for
    /// rejections, timeouts (408) and transport errors (503) generated here.</summary>
    ValueTask OnFailedAsync(DialogKey key, int statusCode, string reason, DialogParty endedBy);

    /// <summary>An established dialog ended (BYE from either side, or the proxy tore it down). Called once per
    /// answered dialog, before the BYE is forwarded.</summary>
    ValueTask OnEndedAsync(DialogKey key, DialogParty endedBy, string reason);

    /// <summary>A re-INVITE inside an answered dialog was accepted with 2xx (new offer/answer, e.g. a codec or
    /// bandwidth change). Called before that 2xx is relayed; not called for retransmissions. Optional: the default
    /// does nothing.</summary>
    /// <param name="sentBy">The party that sent the re-INVITE.</param>
    ValueTask OnReinviteAsync(DialogKey key, DialogParty sentBy, ReadOnlyMemory<byte> offerBody, ReadOnlyMemory<byte> answerBody) =>
        ValueTask.CompletedTask;

    /// <summary>A BYE whose Route named this proxy arrived for a dialog the proxy holds no state for (e.g. after a
    /// restart). The BYE is forwarded by loose routing all the same; this lets the domain close an open call it
    /// still has (match by Call-ID and either tag: the BYE may come from either side). Optional: the default does nothing.</summary>
    ValueTask OnUnknownDialogEndedAsync(string callId, string fromTag, string? toTag) => ValueTask.CompletedTask;
}
