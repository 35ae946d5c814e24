using System.Net;
using CallControl.Provisioning;
using NodaTime;

namespace CallControl.Routing;

/// <summary>One candidate the router looked at, and what it made of it. Kinds: normalize, emergency,
/// filter, forward, did, pbx, voicemail, enum, lcr, gateway. Outcomes: chosen, skipped, matched, followed.</summary>
public sealed record RouteCandidate(string Kind, string Id, string Outcome, string Reason);

/// <summary>What the router decided for a new call, with its reasons (DESIGN.md rule 5).</summary>
public abstract record RoutingResult
{
    public required CallSource? Source { get; init; }
    /// <summary>The Request-URI user as received.</summary>
    public required string Dialled { get; init; }
    public IReadOnlyList<RouteCandidate> Candidates { get; init; } = [];
    /// <summary>How the dialled string became E.164 (null when the source was not identified).</summary>
    public Normalization? Normalization { get; init; }
    /// <summary>An emergency call: bypasses filters here, and must bypass credit and call limits downstream.</summary>
    public bool IsEmergency { get; init; }
    /// <summary>The caller to present in From / P-Asserted-Identity (per the source PBX's caller-ID policy).</summary>
    public string? CallerId { get; init; }
    /// <summary>A Diversion header value to add (forwarded call, or voicemail fallback), else null.</summary>
    public string? Diversion { get; init; }
    /// <summary>The call leaves the cloud: strip Via/Record-Route/Contact details of the inside (topology hiding).</summary>
    public bool HideTopology { get; init; }
    /// <summary>A calling-card call (dialled through an access number): the PIN for the card guard, else null.</summary>
    public CardCall? Card { get; init; }
}

public sealed record CallRefused(int StatusCode, string Reason) : RoutingResult;

/// <summary>The call goes to a PBX of the cloud (inter-PBX or inbound from a gateway).</summary>
public sealed record RoutedToPbx(string Destination, PbxTarget Pbx, string RangeId, string Reason) : RoutingResult
{
    /// <summary>Where the call goes if the PBX turns out unreachable on this very call (no answer to the INVITE,
    /// 5xx): its voicemail, with <see cref="FallbackDiversion"/>. Null when the PBX has no voicemail.</summary>
    public VoicemailTarget? VoicemailFallback { get; init; }
    public string? FallbackDiversion { get; init; }
    /// <summary>The Diversion for the voicemail when the PBX has no room for the call (at its live limit): reason=user-busy.</summary>
    public string? BusyDiversion { get; init; }
}

/// <summary>Where a voicemail fallback sends calls.</summary>
public sealed record VoicemailTarget(string Uri, IPAddress Address, int Port, string Transport);

/// <summary>The DID's PBX is marked unreachable: the call goes to its voicemail fallback, with
/// <see cref="RoutingResult.Diversion"/> naming the DID (reason=unavailable).</summary>
public sealed record RoutedToVoicemail(string Destination, PbxTarget Pbx, string RangeId, VoicemailTarget Voicemail, string Reason) : RoutingResult;

/// <summary>One gateway to try, in order (serial failover: next on failure or after <see cref="RingTimeout"/>).</summary>
public sealed record GatewayForward(
    string GatewayId, string RequestUri, string User, IPAddress Address, int Port, string Transport,
    GatewayCredentials? Credentials, Duration RingTimeout, string Reason);

/// <summary>The call leaves the cloud through gateways (LCR, or the emergency gateway).</summary>
public sealed record RoutedToGateways(string Destination, IReadOnlyList<GatewayForward> Targets, string Reason) : RoutingResult;

/// <summary>
/// Step one of two: the number is outside the cloud and ENUM is on. Query NAPTR for
/// <see cref="QueryName"/>, then call the router again with <c>attempt with { Enum = answer }</c>.
/// Nothing is decided yet: record nothing.
/// </summary>
public sealed record EnumLookupRequired(string Destination, string QueryName, string Reason) : RoutingResult;

/// <summary>ENUM gave a SIP URI for the number: send the call there (resolve its host as RFC 3263 says).</summary>
public sealed record RoutedToEnum(string Destination, string TargetUri, string Reason) : RoutingResult;

/// <summary>The outcome of an ENUM NAPTR query for <see cref="Number"/>: the SIP URI (E2U+sip), or null when none.</summary>
public sealed record EnumAnswer(string Number, string? SipUri, string Detail)
{
    public static EnumAnswer Found(string number, string uri) => new(number, uri, $"NAPTR E2U+sip -> {uri}");
    public static EnumAnswer NotFound(string number, string detail = "no E2U+sip NAPTR record") => new(number, null, detail);
}
