using CallControl.Limits;
using NodaTime;

namespace CallControl.Calls;

/// <summary>One side of a call as limits count it, in a form events can store (<see cref="CallLink"/> is not serializable).</summary>
public sealed record LinkRef(string? PbxId, string? TenantId, string? GatewayId)
{
    public static LinkRef From(CallLink link) => new(link.PbxId, link.TenantId, link.GatewayId);

    public CallLink ToCallLink() =>
        PbxId is not null && TenantId is not null ? CallLink.Pbx(PbxId, TenantId)
        : GatewayId is not null ? CallLink.Gateway(GatewayId)
        : CallLink.Unlimited;
}

/// <summary>The call was admitted by the live limits and holds <paramref name="Kbps"/> on both its links: the
/// worst case of the offer until it is answered. <paramref name="Codecs"/> are what was counted per stream;
/// <paramref name="Basis"/> is offer, no-sdp or unparsable-sdp.</summary>
public sealed record BandwidthReserved(
    string CallKey, int Kbps, IReadOnlyList<string> Codecs, string Basis, LinkRef Source, LinkRef Target, bool IsEmergency, Instant At) : ICallEvent;

/// <summary>The call's reserved bandwidth changed: the answer settled the codec, or a re-INVITE renegotiated it.</summary>
public sealed record BandwidthChanged(
    string CallKey, int FromKbps, int ToKbps, string? FromCodec, string? ToCodec, string Reason, Instant At) : ICallEvent
{
    public const string AnswerSettled = "answer settled";
    public const string Reinvite = "re-INVITE";
}

/// <summary>A limit refused the call (<paramref name="Bypassed"/> false; <paramref name="StatusCode"/> is the answer), or an
/// emergency call went past it (<paramref name="Bypassed"/> true). <paramref name="Scope"/> is e.g. <c>pbx:acme-hq</c>;
/// <paramref name="CurrentValue"/> is the usage at that moment, before this call.</summary>
public sealed record CallLimitHit(
    string CallKey, string Scope, string Side, string Limit, long LimitValue, long CurrentValue, long Requested,
    bool Bypassed, int? StatusCode, Instant At) : ICallEvent;

/// <summary>Serial failover moved the call's channel from one target to the next (the limits count the call where
/// it is being tried now). <paramref name="FromCount"/> and <paramref name="ToCount"/> are the calls each link's first
/// scope (PBX or gateway) holds after the move; null for a link that is not limited.</summary>
public sealed record CallRetargeted(
    string CallKey, int TargetIndex, LinkRef From, LinkRef To, int? FromCount, int? ToCount, Instant At) : ICallEvent;

/// <summary>Serial failover skipped target <paramref name="TargetIndex"/> because its link was at a limit (a gateway
/// without a free channel); the call stays counted where it was and the proxy tries the target after it.
/// <paramref name="AtAdmission"/> true: the target was passed over when the call was admitted (the call was never
/// counted there; the proxy started its failover at a later target, or, when every target was full, the call was refused).</summary>
public sealed record FailoverTargetSkipped(
    string CallKey, int TargetIndex, string Scope, string Limit, long LimitValue, long CurrentValue, Instant At, bool AtAdmission = false) : ICallEvent;
