using System.Collections.Frozen;

namespace CallControl.Limits;

/// <summary>Limits of a PBX link or of a tenant (summed over its PBXs). Null means unlimited.</summary>
/// <param name="MaxCalls">Maximum concurrent calls (open dialogs).</param>
/// <param name="MaxKbps">Maximum reserved media bandwidth in kbit/s at IP level (see docs/bandwidth.md).</param>
/// <param name="MaxCallsPerSecond">Maximum new calls admitted within the last second (sliding window).</param>
public sealed record LinkLimits(int? MaxCalls = null, long? MaxKbps = null, int? MaxCallsPerSecond = null)
{
    public static readonly LinkLimits Unlimited = new();
}

/// <summary>Limits of a PSTN gateway. Null means unlimited.</summary>
/// <param name="MaxChannels">Maximum concurrent calls (channels / circuits) on the gateway.</param>
public sealed record GatewayLimits(int? MaxChannels = null)
{
    public static readonly GatewayLimits Unlimited = new();
}

/// <summary>
/// Immutable snapshot of all provisioned limits. The provisioning projection builds a new table when a
/// limit event arrives and swaps it into <see cref="LiveUsageRegistry.Limits"/>; readers never lock.
/// A scope that is not in the table is unlimited.
/// </summary>
public sealed class LimitsTable
{
    public static readonly LimitsTable Empty = new(
        new Dictionary<string, LinkLimits>(), new Dictionary<string, LinkLimits>(), new Dictionary<string, GatewayLimits>());

    private readonly FrozenDictionary<string, LinkLimits> _pbxs;
    private readonly FrozenDictionary<string, LinkLimits> _tenants;
    private readonly FrozenDictionary<string, GatewayLimits> _gateways;

    public LimitsTable(
        IEnumerable<KeyValuePair<string, LinkLimits>> pbxs,
        IEnumerable<KeyValuePair<string, LinkLimits>> tenants,
        IEnumerable<KeyValuePair<string, GatewayLimits>> gateways)
    {
        _pbxs = pbxs.ToFrozenDictionary(StringComparer.Ordinal);
        _tenants = tenants.ToFrozenDictionary(StringComparer.Ordinal);
        _gateways = gateways.ToFrozenDictionary(StringComparer.Ordinal);
        foreach (var (id, limits) in _pbxs) Validate(ScopeId.Pbx(id), limits);
        foreach (var (id, limits) in _tenants) Validate(ScopeId.Tenant(id), limits);
        foreach (var (id, limits) in _gateways)
        {
            if (limits is null || limits.MaxChannels < 0)
                throw new ArgumentOutOfRangeException(nameof(gateways), $"Limits of {ScopeId.Gateway(id)}: MaxChannels must not be negative.");
        }
    }

    /// <summary>Negative limits are a provisioning error; the message names the scope and the setting.</summary>
    private static void Validate(ScopeId scope, LinkLimits? limits)
    {
        string? bad = limits switch
        {
            null => "limits",
            { MaxCalls: < 0 } => nameof(LinkLimits.MaxCalls),
            { MaxKbps: < 0 } => nameof(LinkLimits.MaxKbps),
            { MaxCallsPerSecond: < 0 } => nameof(LinkLimits.MaxCallsPerSecond),
            _ => null,
        };
        if (bad is not null)
            throw new ArgumentOutOfRangeException(scope.Kind == ScopeKind.Pbx ? "pbxs" : "tenants", $"Limits of {scope}: {bad} must not be negative.");
    }

    public IReadOnlyDictionary<string, LinkLimits> Pbxs => _pbxs;
    public IReadOnlyDictionary<string, LinkLimits> Tenants => _tenants;
    public IReadOnlyDictionary<string, GatewayLimits> Gateways => _gateways;

    public LinkLimits ForPbx(string pbxId) => _pbxs.GetValueOrDefault(pbxId) ?? LinkLimits.Unlimited;
    public LinkLimits ForTenant(string tenantId) => _tenants.GetValueOrDefault(tenantId) ?? LinkLimits.Unlimited;
    public GatewayLimits ForGateway(string gatewayId) => _gateways.GetValueOrDefault(gatewayId) ?? GatewayLimits.Unlimited;

    public LimitsTable WithPbx(string pbxId, LinkLimits limits) =>
        new(With(_pbxs, pbxId, limits), _tenants, _gateways);

    public LimitsTable WithTenant(string tenantId, LinkLimits limits) =>
        new(_pbxs, With(_tenants, tenantId, limits), _gateways);

    public LimitsTable WithGateway(string gatewayId, GatewayLimits limits) =>
        new(_pbxs, _tenants, With(_gateways, gatewayId, limits));

    private static Dictionary<string, T> With<T>(FrozenDictionary<string, T> source, string key, T value)
    {
        var copy = new Dictionary<string, T>(source, StringComparer.Ordinal) { [key] = value };
        return copy;
    }
}
