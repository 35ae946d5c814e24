using System.Collections.Immutable;
using NodaTime;

namespace CallControl.Provisioning;

public sealed record TenantState(string Id, string Name)
{
    public TenantRouting Routing { get; init; } = TenantRouting.Default;
}

public sealed record PbxState(string Id, string TenantId, IReadOnlyList<string> Addresses, int Port, string Transport)
{
    public PbxRouting Routing { get; init; } = PbxRouting.Default;
}

public sealed record DidRangeState(string RangeId, string TenantId, string PbxId, string First, string Last);

public sealed record GatewayState(string Id, string Address, int Port, string Transport)
{
    public GatewayOptions Options { get; init; } = GatewayOptions.Default;
}

public sealed record ForwardState(string Did, string TenantId, string To);
public sealed record DialplanState(string Id, string TenantId, IReadOnlyList<DialplanRule> Rules);
public sealed record CarrierState(string Id, string Selection, IReadOnlyList<CarrierMember> Gateways);
public sealed record LcrRuleState(string Id, string Prefix, IReadOnlyList<LcrCarrier> Carriers, TimeWindow? Window);

/// <summary>
/// Everything provisioned, as a fold over provisioning events in commit order. Immutable: every
/// <see cref="Apply"/> returns a new state, so a snapshot can be handed to readers without locks.
/// Folding the events up to an instant gives the state as it was then.
/// </summary>
public sealed partial record ProvisioningState
{
    public static readonly ProvisioningState Empty = new();

    public ImmutableSortedDictionary<string, TenantState> Tenants { get; init; } = ImmutableSortedDictionary<string, TenantState>.Empty;
    public ImmutableSortedDictionary<string, PbxState> Pbxs { get; init; } = ImmutableSortedDictionary<string, PbxState>.Empty;
    public ImmutableSortedDictionary<string, DidRangeState> DidRanges { get; init; } = ImmutableSortedDictionary<string, DidRangeState>.Empty;
    public ImmutableSortedDictionary<string, GatewayState> Gateways { get; init; } = ImmutableSortedDictionary<string, GatewayState>.Empty;
    public ImmutableSortedDictionary<string, ForwardState> Forwards { get; init; } = ImmutableSortedDictionary<string, ForwardState>.Empty;
    public ImmutableSortedDictionary<string, DialplanState> Dialplans { get; init; } = ImmutableSortedDictionary<string, DialplanState>.Empty;
    public ImmutableSortedDictionary<string, CarrierState> Carriers { get; init; } = ImmutableSortedDictionary<string, CarrierState>.Empty;
    public ImmutableSortedDictionary<string, LcrRuleState> LcrRules { get; init; } = ImmutableSortedDictionary<string, LcrRuleState>.Empty;
    public RoutingSettings Settings { get; init; } = RoutingSettings.Default;
    /// <summary>Instant of the last event folded in (null when nothing is provisioned).</summary>
    public Instant? AsOf { get; init; }

    public ProvisioningState Apply(IProvisioningEvent e)
    {
        var next = e switch
        {
            TenantCreated x => this with { Tenants = Tenants.SetItem(x.TenantId, new TenantState(x.TenantId, x.Name)) },
            TenantRenamed x => this with { Tenants = Tenants.SetItem(x.TenantId, Tenant(x.TenantId) with { Name = x.Name }) },
            TenantRemoved x => this with { Tenants = Tenants.Remove(x.TenantId) },
            TenantRoutingSet x => this with { Tenants = Tenants.SetItem(x.TenantId, Tenant(x.TenantId) with { Routing = x.Routing }) },
            PbxRegistered x => this with { Pbxs = Pbxs.SetItem(x.PbxId, new PbxState(x.PbxId, x.TenantId, x.Addresses, x.Port, x.Transport) { Routing = x.Routing ?? PbxRouting.Default }) },
            PbxChanged x => this with
            {
                Pbxs = Pbxs.SetItem(x.PbxId, new PbxState(x.PbxId, x.TenantId, x.Addresses, x.Port, x.Transport)
                    { Routing = Pbxs.TryGetValue(x.PbxId, out var old) ? old.Routing : PbxRouting.Default }),
            },
            PbxRemoved x => this with { Pbxs = Pbxs.Remove(x.PbxId) },
            PbxRoutingSet x => Pbxs.TryGetValue(x.PbxId, out var pbx) ? this with { Pbxs = Pbxs.SetItem(x.PbxId, pbx with { Routing = x.Routing }) } : this,
            DidRangeAssigned x => this with { DidRanges = DidRanges.SetItem(x.RangeId, new DidRangeState(x.RangeId, x.TenantId, x.PbxId, x.First, x.Last)) },
            DidRangeReleased x => this with { DidRanges = DidRanges.Remove(x.RangeId) },
            DidForwardSet x => this with { Forwards = Forwards.SetItem(x.Did, new ForwardState(x.Did, x.TenantId, x.To)) },
            DidForwardCleared x => this with { Forwards = Forwards.Remove(x.Did) },
            DialplanDefined x => this with { Dialplans = Dialplans.SetItem(x.DialplanId, new DialplanState(x.DialplanId, x.TenantId, x.Rules)) },
            DialplanRemoved x => this with { Dialplans = Dialplans.Remove(x.DialplanId) },
            GatewayRegistered x => this with { Gateways = Gateways.SetItem(x.GatewayId, new GatewayState(x.GatewayId, x.Address, x.Port, x.Transport) { Options = x.Options ?? GatewayOptions.Default }) },
            GatewayChanged x => this with
            {
                Gateways = Gateways.SetItem(x.GatewayId, new GatewayState(x.GatewayId, x.Address, x.Port, x.Transport)
                    { Options = Gateways.TryGetValue(x.GatewayId, out var old) ? old.Options : GatewayOptions.Default }),
            },
            GatewayRemoved x => this with { Gateways = Gateways.Remove(x.GatewayId) },
            GatewayOptionsSet x => Gateways.TryGetValue(x.GatewayId, out var gw) ? this with { Gateways = Gateways.SetItem(x.GatewayId, gw with { Options = x.Options }) } : this,
            CarrierDefined x => this with { Carriers = Carriers.SetItem(x.CarrierId, new CarrierState(x.CarrierId, x.Selection, x.Gateways)) },
            CarrierRemoved x => this with { Carriers = Carriers.Remove(x.CarrierId) },
            LcrRuleSet x => this with { LcrRules = LcrRules.SetItem(x.RuleId, new LcrRuleState(x.RuleId, x.Prefix, x.Carriers, x.Window)) },
            LcrRuleRemoved x => this with { LcrRules = LcrRules.Remove(x.RuleId) },
            RoutingSettingsSet x => this with { Settings = x.Settings },
            _ => this,
        };
        return next.ApplyLimits(e).ApplyCards(e) with { AsOf = e.At };
    }

    public ProvisioningState ApplyAll(IEnumerable<IProvisioningEvent> events) => events.Aggregate(this, (s, e) => s.Apply(e));

    /// <summary>Folds only the events that took effect at or before <paramref name="asOf"/> (events are in commit order).</summary>
    public ProvisioningState ApplyUntil(IEnumerable<IProvisioningEvent> events, Instant asOf) =>
        ApplyAll(events.TakeWhile(e => e.At <= asOf));

    private TenantState Tenant(string id) => Tenants.TryGetValue(id, out var t) ? t : new TenantState(id, id);
}
