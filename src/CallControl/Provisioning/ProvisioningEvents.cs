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

/// <summary>A customer PBX was provisioned. <paramref name="Addresses"/> are IPs or CIDR ranges that
/// identify it (IP-based authentication); calls to it go to the first address at <paramref name="Port"/>.</summary>
public sealed record PbxRegistered(string PbxId, string TenantId, IReadOnlyList<string> Addresses, int Port, string Transport, Instant At) : IProvisioningEvent;
/// <summary>A PBX's settings were replaced as a whole.</summary>
public sealed record PbxChanged(string PbxId, string TenantId, IReadOnlyList<string> Addresses, int Port, string Transport, Instant At) : IProvisioningEvent;
public sealed record PbxRemoved(string PbxId, string TenantId, Instant At) : IProvisioningEvent;

/// <summary>The E.164 numbers <paramref name="First"/>..<paramref name="Last"/> (same length) now ring <paramref name="PbxId"/>.</summary>
public sealed record DidRangeAssigned(string RangeId, string TenantId, string PbxId, string First, string Last, Instant At) : IProvisioningEvent;
public sealed record DidRangeReleased(string RangeId, string TenantId, string PbxId, Instant At) : IProvisioningEvent;

public sealed record GatewayRegistered(string GatewayId, string Address, int Port, string Transport, Instant At) : IProvisioningEvent;
public sealed record GatewayChanged(string GatewayId, string Address, int Port, string Transport, Instant At) : IProvisioningEvent;
public sealed record GatewayRemoved(string GatewayId, Instant At) : IProvisioningEvent;

/// <summary>Stream keys of provisioning objects: one stream per object.</summary>
public static class ProvisioningStreams
{
    public static string Tenant(string id) => $"tenant:{id}";
    public static string Pbx(string id) => $"pbx:{id}";
    public static string DidRange(string rangeId) => $"did:{rangeId}";
    public static string Gateway(string id) => $"gateway:{id}";
    public static string RangeId(string first, string last) => first == last ? first : $"{first}..{last}";
}
