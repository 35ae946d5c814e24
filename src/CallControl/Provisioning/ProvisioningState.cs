using System.Collections.Immutable;
using NodaTime;

namespace CallControl.Provisioning;

public sealed record TenantState(string Id, string Name);
public sealed record PbxState(string Id, string TenantId, IReadOnlyList<string> Addresses, int Port, string Transport);
public sealed record DidRangeState(string RangeId, string TenantId, string PbxId, string First, string Last);
public sealed record GatewayState(string Id, string Address, int Port, string Transport);

/// <summary>
/// Everything provisioned, as a fold over provisioning events in commit order. Immutable: every
/// <see cref="Apply"/> returns a new state, so a snapshot can be handed to readers without locks.
/// </summary>
public sealed record ProvisioningState
{
    public static readonly ProvisioningState Empty = new();

    public ImmutableSortedDictionary<string, TenantState> Tenants { get; init; } = ImmutableSortedDictionary<string, TenantState>.Empty;
    public ImmutableSortedDictionary<string, PbxState> Pbxs { get; init; } = ImmutableSortedDictionary<string, PbxState>.Empty;
    public ImmutableSortedDictionary<string, DidRangeState> DidRanges { get; init; } = ImmutableSortedDictionary<string, DidRangeState>.Empty;
    public ImmutableSortedDictionary<string, GatewayState> Gateways { get; init; } = ImmutableSortedDictionary<string, GatewayState>.Empty;
    /// <summary>Instant of the last event folded in (null when nothing is provisioned).</summary>
    public Instant? AsOf { get; init; }

    public ProvisioningState Apply(IProvisioningEvent e)
    {
        var next = e switch
        {
            TenantCreated x => this with { Tenants = Tenants.SetItem(x.TenantId, new TenantState(x.TenantId, x.Name)) },
            TenantRenamed x => this with { Tenants = Tenants.SetItem(x.TenantId, new TenantState(x.TenantId, x.Name)) },
            TenantRemoved x => this with { Tenants = Tenants.Remove(x.TenantId) },
            PbxRegistered x => this with { Pbxs = Pbxs.SetItem(x.PbxId, new PbxState(x.PbxId, x.TenantId, x.Addresses, x.Port, x.Transport)) },
            PbxChanged x => this with { Pbxs = Pbxs.SetItem(x.PbxId, new PbxState(x.PbxId, x.TenantId, x.Addresses, x.Port, x.Transport)) },
            PbxRemoved x => this with { Pbxs = Pbxs.Remove(x.PbxId) },
            DidRangeAssigned x => this with { DidRanges = DidRanges.SetItem(x.RangeId, new DidRangeState(x.RangeId, x.TenantId, x.PbxId, x.First, x.Last)) },
            DidRangeReleased x => this with { DidRanges = DidRanges.Remove(x.RangeId) },
            GatewayRegistered x => this with { Gateways = Gateways.SetItem(x.GatewayId, new GatewayState(x.GatewayId, x.Address, x.Port, x.Transport)) },
            GatewayChanged x => this with { Gateways = Gateways.SetItem(x.GatewayId, new GatewayState(x.GatewayId, x.Address, x.Port, x.Transport)) },
            GatewayRemoved x => this with { Gateways = Gateways.Remove(x.GatewayId) },
            _ => this,
        };
        return next with { AsOf = e.At };
    }

    public ProvisioningState ApplyAll(IEnumerable<IProvisioningEvent> events) => events.Aggregate(this, (s, e) => s.Apply(e));
}
