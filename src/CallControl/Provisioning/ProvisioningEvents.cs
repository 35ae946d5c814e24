using NodaTime;

namespace CallControl.Provisioning;

/// <summary>Marker for events on provisioning streams; every one carries the instant it took effect.</summary>
public interface IProvisioningEvent
{
    Instant At { get; }
}

public sealed record TenantCreated(string TenantId, string Name, Instant At) : IProvisioningEvent;
public sealed record TenantRenamed(string TenantId, string Name, Instant At) : IProvisioningEvent;
public sealed record TenantRemoved(string TenantId, Instant At) : IProvisioningEvent;
/// <summary>A tenant's default dialplan, filters and emergency numbers were replaced as a whole.</summary>
public sealed record TenantRoutingSet(string TenantId, TenantRouting Routing, Instant At) : IProvisioningEvent;

/// <summary>A customer PBX was provisioned. <paramref name="Addresses"/> are IPs or CIDR ranges that
/// identify it (IP-based authentication); calls to it go to the first address at <paramref name="Port"/>.
/// <paramref name="Routing"/> holds its initial routing settings (null: defaults).</summary>
public sealed record PbxRegistered(string PbxId, string TenantId, IReadOnlyList<string> Addresses, int Port, string Transport, Instant At,
    PbxRouting? Routing = null) : IProvisioningEvent;
/// <summary>A PBX's settings were replaced as a whole.</summary>
public sealed record PbxChanged(string PbxId, string TenantId, IReadOnlyList<string> Addresses, int Port, string Transport, Instant At) : IProvisioningEvent;
public sealed record PbxRemoved(string PbxId, string TenantId, Instant At) : IProvisioningEvent;
/// <summary>A PBX's NAT flag, dialplan, caller-ID policy and voicemail fallback were replaced as a whole.</summary>
public sealed record PbxRoutingSet(string PbxId, string TenantId, PbxRouting Routing, Instant At) : IProvisioningEvent;

/// <summary>The E.164 numbers <paramref name="First"/>..<paramref name="Last"/> (same length) now ring <paramref name="PbxId"/>.</summary>
public sealed record DidRangeAssigned(string RangeId, string TenantId, string PbxId, string First, string Last, Instant At) : IProvisioningEvent;
public sealed record DidRangeReleased(string RangeId, string TenantId, string PbxId, Instant At) : IProvisioningEvent;

/// <summary>Calls to <paramref name="Did"/> now go to <paramref name="To"/> (unconditional forwarding).</summary>
public sealed record DidForwardSet(string Did, string TenantId, string To, Instant At) : IProvisioningEvent;
public sealed record DidForwardCleared(string Did, string TenantId, Instant At) : IProvisioningEvent;

/// <summary>A dialplan's rules were (re)defined as a whole.</summary>
public sealed record DialplanDefined(string DialplanId, string TenantId, IReadOnlyList<DialplanRule> Rules, Instant At) : IProvisioningEvent;
public sealed record DialplanRemoved(string DialplanId, string TenantId, Instant At) : IProvisioningEvent;

/// <summary>A gateway was provisioned with its initial options (null: defaults).</summary>
public sealed record GatewayRegistered(string GatewayId, string Address, int Port, string Transport, Instant At,
    GatewayOptions? Options = null) : IProvisioningEvent;
public sealed record GatewayChanged(string GatewayId, string Address, int Port, string Transport, Instant At) : IProvisioningEvent;
public sealed record GatewayRemoved(string GatewayId, Instant At) : IProvisioningEvent;
/// <summary>A gateway's credentials, number manipulation, probing and ring timeout were replaced as a whole.</summary>
public sealed record GatewayOptionsSet(string GatewayId, GatewayOptions Options, Instant At) : IProvisioningEvent;

/// <summary>A carrier (ordered or weighted list of gateways) was (re)defined as a whole.</summary>
public sealed record CarrierDefined(string CarrierId, string Selection, IReadOnlyList<CarrierMember> Gateways, Instant At) : IProvisioningEvent;
public sealed record CarrierRemoved(string CarrierId, Instant At) : IProvisioningEvent;

/// <summary>An LCR rule was (re)defined: numbers starting with <paramref name="Prefix"/> go to these carriers.</summary>
public sealed record LcrRuleSet(string RuleId, string Prefix, IReadOnlyList<LcrCarrier> Carriers, TimeWindow? Window, Instant At) : IProvisioningEvent;
public sealed record LcrRuleRemoved(string RuleId, Instant At) : IProvisioningEvent;

/// <summary>Cloud-wide routing settings (global blocked prefixes, ENUM, SIP domain) were replaced as a whole.</summary>
public sealed record RoutingSettingsSet(RoutingSettings Settings, Instant At) : IProvisioningEvent;

/// <summary>
/// A provisioning document was applied and made <paramref name="Changes"/> changes: the last event of every
/// apply, on the one stream <see cref="ProvisioningStreams.Log"/>. Its stream version counts the applies, so an
/// apply planned against the state at version n appends with "expected version n" and fails if another apply
/// committed in between (optimistic concurrency). Folding it changes nothing but the state's instant.
/// </summary>
public sealed record ProvisioningDocumentApplied(int Changes, Instant At) : IProvisioningEvent;

/// <summary>
/// A single change (one DID range assigned, reassigned or unassigned: <c>PUT/DELETE /api/provisioning/dids/...</c>,
/// <c>callcontrol dids assign|unassign</c>) made <paramref name="Changes"/> changes; <paramref name="Change"/> says
/// which, e.g. <c>dids assign +31205550150 --pbx globex-main</c>. The other entry of
/// <see cref="ProvisioningStreams.Log"/>: appended with the same expected version as a document apply, so the two
/// cannot both pass against the same old state, and counted in the provisioning version the same way.
/// </summary>
public sealed record ProvisioningChangeApplied(int Changes, string Change, Instant At) : IProvisioningEvent;

/// <summary>Stream keys of provisioning objects: one stream per object.</summary>
public static partial class ProvisioningStreams
{
    public static string Tenant(string id) => $"tenant:{id}";
    public static string Pbx(string id) => $"pbx:{id}";
    public static string DidRange(string rangeId) => $"did:{rangeId}";
    public static string Gateway(string id) => $"gateway:{id}";
    public static string Forward(string did) => $"forward:{did}";
    public static string Dialplan(string id) => $"dialplan:{id}";
    public static string Carrier(string id) => $"carrier:{id}";
    public static string LcrRule(string id) => $"lcr:{id}";
    public const string Settings = "routing:settings";
    /// <summary>One <see cref="ProvisioningDocumentApplied"/> or <see cref="ProvisioningChangeApplied"/> per apply: its
    /// version is the provisioning version.</summary>
    public const string Log = "provisioning:log";
    /// <summary>The event is an entry of <see cref="Log"/> (one per apply): it counts in the provisioning version.</summary>
    public static bool IsLogEntry(IProvisioningEvent e) => e is ProvisioningDocumentApplied or ProvisioningChangeApplied;
    public static string RangeId(string first, string last) => first == last ? first : $"{first}..{last}";
}
