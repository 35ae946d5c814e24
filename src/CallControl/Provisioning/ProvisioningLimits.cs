using System.Collections.Immutable;
using CallControl.Limits;
using NodaTime;

namespace CallControl.Provisioning;

/// <summary>Limits of one PBX link or of a tenant in a provisioning document; a missing field is unlimited.</summary>
public sealed record LimitsSpec
{
    /// <summary>Concurrent calls (open dialogs, counted per leg).</summary>
    public int? MaxCalls { get; init; }
    /// <summary>Reserved media bandwidth, kbit/s at IP level, one direction (docs/bandwidth.md).</summary>
    public long? MaxKbps { get; init; }
    /// <summary>New calls admitted within one second.</summary>
    public int? MaxCallsPerSecond { get; init; }

    public LinkLimits ToLinkLimits() => new(MaxCalls, MaxKbps, MaxCallsPerSecond);
}

/// <summary>A PBX's link limits were replaced as a whole (all null: unlimited).</summary>
public sealed record PbxLimitsSet(string PbxId, string TenantId, LinkLimits Limits, Instant At) : IProvisioningEvent;

/// <summary>A tenant's limits over all its PBXs were replaced as a whole (all null: unlimited).</summary>
public sealed record TenantLimitsSet(string TenantId, LinkLimits Limits, Instant At) : IProvisioningEvent;

/// <summary>A gateway's channel limit was replaced (null: unlimited).</summary>
public sealed record GatewayLimitsSet(string GatewayId, GatewayLimits Limits, Instant At) : IProvisioningEvent;

// The limits part of the fold. Kept apart from the routing settings so that an address or routing change
// never touches limits, and a removed object takes its limits with it.
public sealed partial record ProvisioningState
{
    public ImmutableSortedDictionary<string, LinkLimits> LimitsOfPbxs { get; init; } = ImmutableSortedDictionary<string, LinkLimits>.Empty;
    public ImmutableSortedDictionary<string, LinkLimits> LimitsOfTenants { get; init; } = ImmutableSortedDictionary<string, LinkLimits>.Empty;
    public ImmutableSortedDictionary<string, GatewayLimits> LimitsOfGateways { get; init; } = ImmutableSortedDictionary<string, GatewayLimits>.Empty;

    /// <summary>The limits the admission decider works with; scopes not listed are unlimited.</summary>
    public LimitsTable ToLimitsTable() => new(LimitsOfPbxs, LimitsOfTenants, LimitsOfGateways);

    public LinkLimits PbxLimits(string pbxId) => LimitsOfPbxs.GetValueOrDefault(pbxId) ?? LinkLimits.Unlimited;
    public LinkLimits TenantLimits(string tenantId) => LimitsOfTenants.GetValueOrDefault(tenantId) ?? LinkLimits.Unlimited;
    public GatewayLimits GatewayLimits(string gatewayId) => LimitsOfGateways.GetValueOrDefault(gatewayId) ?? Limits.GatewayLimits.Unlimited;

    private sealed partial class Fold
    {
        private readonly ImmutableSortedDictionary<string, LinkLimits>.Builder _limitsOfPbxs = start.LimitsOfPbxs.ToBuilder();
        private readonly ImmutableSortedDictionary<string, LinkLimits>.Builder _limitsOfTenants = start.LimitsOfTenants.ToBuilder();
        private readonly ImmutableSortedDictionary<string, GatewayLimits>.Builder _limitsOfGateways = start.LimitsOfGateways.ToBuilder();

        private void ApplyLimits(IProvisioningEvent e)
        {
            switch (e)
            {
                case PbxLimitsSet x: Set(_limitsOfPbxs, x.PbxId, x.Limits, x.Limits == LinkLimits.Unlimited); break;
                case TenantLimitsSet x: Set(_limitsOfTenants, x.TenantId, x.Limits, x.Limits == LinkLimits.Unlimited); break;
                case GatewayLimitsSet x: Set(_limitsOfGateways, x.GatewayId, x.Limits, x.Limits == Limits.GatewayLimits.Unlimited); break;
                case PbxRemoved x: _limitsOfPbxs.Remove(x.PbxId); break;
                case TenantRemoved x: _limitsOfTenants.Remove(x.TenantId); break;
                case GatewayRemoved x: _limitsOfGateways.Remove(x.GatewayId); break;
            }
        }

        private static void Set<T>(ImmutableSortedDictionary<string, T>.Builder map, string id, T value, bool unlimited)
        {
            if (unlimited) map.Remove(id);
            else map[id] = value;
        }
    }
}

public static partial class ProvisioningPlanner
{
    /// <summary>Limit events for what differs; a new (or re-homed) PBX, tenant or gateway starts unlimited,
    /// so it gets an event only when the document gives it limits. Runs after the objects exist.</summary>
    private static void PlanLimits(ProvisioningState current, ProvisioningState wanted, Action<string, IProvisioningEvent> add, Instant now)
    {
        foreach (var tenant in wanted.Tenants.Values)
        {
            var have = current.Tenants.ContainsKey(tenant.Id) ? current.TenantLimits(tenant.Id) : LinkLimits.Unlimited;
            var want = wanted.TenantLimits(tenant.Id);
            if (have != want) add(ProvisioningStreams.Tenant(tenant.Id), new TenantLimitsSet(tenant.Id, want, now));
        }
        foreach (var pbx in wanted.Pbxs.Values)
        {
            var fresh = !current.Pbxs.TryGetValue(pbx.Id, out var old) || old.TenantId != pbx.TenantId;
            var have = fresh ? LinkLimits.Unlimited : current.PbxLimits(pbx.Id);
            var want = wanted.PbxLimits(pbx.Id);
            if (have != want) add(ProvisioningStreams.Pbx(pbx.Id), new PbxLimitsSet(pbx.Id, pbx.TenantId, want, now));
        }
        foreach (var gw in wanted.Gateways.Values)
        {
            var have = current.Gateways.ContainsKey(gw.Id) ? current.GatewayLimits(gw.Id) : GatewayLimits.Unlimited;
            var want = wanted.GatewayLimits(gw.Id);
            if (have != want) add(ProvisioningStreams.Gateway(gw.Id), new GatewayLimitsSet(gw.Id, want, now));
        }
    }

    private static ProvisioningState DesiredLimits(ProvisioningDocument document, ProvisioningState state)
    {
        var pbxs = ImmutableSortedDictionary.CreateBuilder<string, LinkLimits>();
        var tenants = ImmutableSortedDictionary.CreateBuilder<string, LinkLimits>();
        var gateways = ImmutableSortedDictionary.CreateBuilder<string, GatewayLimits>();
        foreach (var t in document.Tenants ?? [])
        {
            if (t.Limits?.ToLinkLimits() is { } tl && tl != LinkLimits.Unlimited) tenants[t.Id] = tl;
            foreach (var p in t.Pbxs ?? [])
                if (p.Limits?.ToLinkLimits() is { } pl && pl != LinkLimits.Unlimited) pbxs[p.Id] = pl;
        }
        foreach (var g in document.Gateways ?? [])
            if (g.MaxChannels is { } channels) gateways[g.Id] = new GatewayLimits(channels);
        return state with { LimitsOfPbxs = pbxs.ToImmutable(), LimitsOfTenants = tenants.ToImmutable(), LimitsOfGateways = gateways.ToImmutable() };
    }
}

public static partial class ProvisioningValidator
{
    public const int MaxCallsCeiling = 1_000_000;
    public const long MaxKbpsCeiling = 100_000_000; // 100 Gbit/s
    public const int MaxCallsPerSecondCeiling = 100_000;

    private static void ValidateLimits(List<ProvisioningError> errors, ProvisioningDocument document)
    {
        var tenants = document.Tenants ?? [];
        for (var t = 0; t < tenants.Count; t++)
        {
            if (tenants[t] is not { } tenant) continue;
            CheckLimits(errors, $"tenants[{t}].limits", tenant.Limits);
            var pbxs = tenant.Pbxs ?? [];
            for (var p = 0; p < pbxs.Count; p++)
                if (pbxs[p] is { } pbx) CheckLimits(errors, $"tenants[{t}].pbxs[{p}].limits", pbx.Limits);
        }
        var gateways = document.Gateways ?? [];
        for (var g = 0; g < gateways.Count; g++)
            if (gateways[g] is { MaxChannels: { } channels })
                CheckRange(errors, $"gateways[{g}].maxChannels", channels, MaxCallsCeiling);
    }

    private static void CheckLimits(List<ProvisioningError> errors, string field, LimitsSpec? limits)
    {
        if (limits is null) return;
        if (limits.MaxCalls is { } calls) CheckRange(errors, $"{field}.maxCalls", calls, MaxCallsCeiling);
        if (limits.MaxKbps is { } kbps) CheckRange(errors, $"{field}.maxKbps", kbps, MaxKbpsCeiling);
        if (limits.MaxCallsPerSecond is { } cps) CheckRange(errors, $"{field}.maxCallsPerSecond", cps, MaxCallsPerSecondCeiling);
    }

    // Zero is allowed: it suspends a link (every call refused) without removing its provisioning.
    private static void CheckRange(List<ProvisioningError> errors, string field, long value, long ceiling)
    {
        if (value < 0 || value > ceiling)
            errors.Add(new(field, $"{value} is not a limit (0-{ceiling}; leave it out for unlimited)"));
    }
}
