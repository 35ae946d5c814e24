using System.Collections.Immutable;
using NodaTime;

namespace CallControl.Provisioning;

public sealed partial record ProvisioningState
{
    /// <summary>
    /// The fold of one batch: builders over the state's collections, mutated in place, frozen by
    /// <see cref="ToState"/>. A builder nobody wrote to gives back the very collection it came from.
    /// Strings that a million DIDs would repeat (tenant and PBX ids, a single's first = last = range id)
    /// are shared with the objects they name, so the state keeps one copy of each.
    /// </summary>
    private sealed partial class Fold(ProvisioningState start)
    {
        private readonly ImmutableSortedDictionary<string, TenantState>.Builder _tenants = start.Tenants.ToBuilder();
        private readonly ImmutableSortedDictionary<string, PbxState>.Builder _pbxs = start.Pbxs.ToBuilder();
        private readonly ImmutableSortedDictionary<string, DidRangeState>.Builder _didRanges = start.DidRanges.ToBuilder();
        private readonly ImmutableSortedDictionary<string, GatewayState>.Builder _gateways = start.Gateways.ToBuilder();
        private readonly ImmutableSortedDictionary<string, ForwardState>.Builder _forwards = start.Forwards.ToBuilder();
        private readonly ImmutableSortedDictionary<string, DialplanState>.Builder _dialplans = start.Dialplans.ToBuilder();
        private readonly ImmutableSortedDictionary<string, CarrierState>.Builder _carriers = start.Carriers.ToBuilder();
        private readonly ImmutableSortedDictionary<string, LcrRuleState>.Builder _lcrRules = start.LcrRules.ToBuilder();
        private RoutingSettings _settings = start.Settings;
        private Instant? _asOf = start.AsOf;

        public void Apply(IProvisioningEvent e)
        {
            switch (e)
            {
                case TenantCreated x: _tenants[x.TenantId] = new TenantState(x.TenantId, x.Name); break;
                case TenantRenamed x: _tenants[x.TenantId] = Tenant(x.TenantId) with { Name = x.Name }; break;
                case TenantRemoved x: _tenants.Remove(x.TenantId); break;
                case TenantRoutingSet x: _tenants[x.TenantId] = Tenant(x.TenantId) with { Routing = x.Routing }; break;
                case PbxRegistered x:
                    _pbxs[x.PbxId] = new PbxState(x.PbxId, x.TenantId, x.Addresses, x.Port, x.Transport) { Routing = x.Routing ?? PbxRouting.Default };
                    break;
                case PbxChanged x:
                    _pbxs[x.PbxId] = new PbxState(x.PbxId, x.TenantId, x.Addresses, x.Port, x.Transport)
                        { Routing = _pbxs.TryGetValue(x.PbxId, out var old) ? old.Routing : PbxRouting.Default };
                    break;
                case PbxRemoved x: _pbxs.Remove(x.PbxId); break;
                case PbxRoutingSet x:
                    if (_pbxs.TryGetValue(x.PbxId, out var pbx)) _pbxs[x.PbxId] = pbx with { Routing = x.Routing };
                    break;
                case DidRangeAssigned x: _didRanges[x.RangeId] = Range(x); break;
                case DidRangeReleased x: _didRanges.Remove(x.RangeId); break;
                case DidForwardSet x: _forwards[x.Did] = new ForwardState(x.Did, x.TenantId, x.To); break;
                case DidForwardCleared x: _forwards.Remove(x.Did); break;
                case DialplanDefined x: _dialplans[x.DialplanId] = new DialplanState(x.DialplanId, x.TenantId, x.Rules); break;
                case DialplanRemoved x: _dialplans.Remove(x.DialplanId); break;
                case GatewayRegistered x:
                    _gateways[x.GatewayId] = new GatewayState(x.GatewayId, x.Address, x.Port, x.Transport) { Options = x.Options ?? GatewayOptions.Default };
                    break;
                case GatewayChanged x:
                    _gateways[x.GatewayId] = new GatewayState(x.GatewayId, x.Address, x.Port, x.Transport)
                        { Options = _gateways.TryGetValue(x.GatewayId, out var previous) ? previous.Options : GatewayOptions.Default };
                    break;
                case GatewayRemoved x: _gateways.Remove(x.GatewayId); break;
                case GatewayOptionsSet x:
                    if (_gateways.TryGetValue(x.GatewayId, out var gw)) _gateways[x.GatewayId] = gw with { Options = x.Options };
                    break;
                case CarrierDefined x: _carriers[x.CarrierId] = new CarrierState(x.CarrierId, x.Selection, x.Gateways); break;
                case CarrierRemoved x: _carriers.Remove(x.CarrierId); break;
                case LcrRuleSet x: _lcrRules[x.RuleId] = new LcrRuleState(x.RuleId, x.Prefix, x.Carriers, x.Window); break;
                case LcrRuleRemoved x: _lcrRules.Remove(x.RuleId); break;
                case RoutingSettingsSet x: _settings = x.Settings; break;
            }
            ApplyLimits(e);
            ApplyCards(e);
            _asOf = e.At;
        }

        public ProvisioningState ToState() => start with
        {
            Tenants = _tenants.ToImmutable(), Pbxs = _pbxs.ToImmutable(), DidRanges = _didRanges.ToImmutable(),
            Gateways = _gateways.ToImmutable(), Forwards = _forwards.ToImmutable(), Dialplans = _dialplans.ToImmutable(),
            Carriers = _carriers.ToImmutable(), LcrRules = _lcrRules.ToImmutable(), Settings = _settings,
            LimitsOfPbxs = _limitsOfPbxs.ToImmutable(), LimitsOfTenants = _limitsOfTenants.ToImmutable(),
            LimitsOfGateways = _limitsOfGateways.ToImmutable(), CardAccessNumbers = CardAccessNumbers, AsOf = _asOf,
        };

        private TenantState Tenant(string id) => _tenants.TryGetValue(id, out var t) ? t : new TenantState(id, id);

        private DidRangeState Range(DidRangeAssigned x)
        {
            var first = x.First;
            var last = x.Last == first ? first : x.Last;
            var rangeId = x.RangeId == first ? first : x.RangeId;
            var tenantId = _tenants.TryGetKey(x.TenantId, out var t) ? t : x.TenantId;
            var pbxId = _pbxs.TryGetKey(x.PbxId, out var p) ? p : x.PbxId;
            return new DidRangeState(rangeId, tenantId, pbxId, first, last);
        }
    }
}
