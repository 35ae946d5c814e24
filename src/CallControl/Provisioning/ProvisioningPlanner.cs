using System.Collections.Immutable;
using System.Text.Json;
using NodaTime;

namespace CallControl.Provisioning;

/// <summary>An event to append to a provisioning stream.</summary>
public sealed record ProvisioningChange(string StreamKey, IProvisioningEvent Event);

/// <summary>
/// Turns a validated desired-state document into the events that take the current state there.
/// Order matters for readers folding the log: referenced objects (settings, gateways, carriers,
/// dialplans) are created before the objects that refer to them (tenant routing, LCR rules, PBXs, DIDs,
/// forwards); removals go the other way round (DIDs released before their PBX is removed). A new
/// PBX or gateway carries its settings in its registering event.
/// </summary>
public static partial class ProvisioningPlanner
{
    public static IReadOnlyList<ProvisioningChange> Plan(ProvisioningState current, ProvisioningDocument document, Instant now)
    {
        var wanted = Desired(document);
        var changes = new List<ProvisioningChange>();
        void Add(string stream, IProvisioningEvent e) => changes.Add(new(stream, e));

        // Removals first, innermost objects first.
        foreach (var fwd in current.Forwards.Values)
            if (!wanted.Forwards.TryGetValue(fwd.Did, out var w) || w.TenantId != fwd.TenantId)
                Add(ProvisioningStreams.Forward(fwd.Did), new DidForwardCleared(fwd.Did, fwd.TenantId, now));
        foreach (var range in current.DidRanges.Values)
            if (!wanted.DidRanges.TryGetValue(range.RangeId, out var w) || w.PbxId != range.PbxId || w.TenantId != range.TenantId)
                Add(ProvisioningStreams.DidRange(range.RangeId), new DidRangeReleased(range.RangeId, range.TenantId, range.PbxId, now));
        foreach (var pbx in current.Pbxs.Values)
            if (!wanted.Pbxs.TryGetValue(pbx.Id, out var w) || w.TenantId != pbx.TenantId)
                Add(ProvisioningStreams.Pbx(pbx.Id), new PbxRemoved(pbx.Id, pbx.TenantId, now));
        foreach (var rule in current.LcrRules.Values)
            if (!wanted.LcrRules.ContainsKey(rule.Id))
                Add(ProvisioningStreams.LcrRule(rule.Id), new LcrRuleRemoved(rule.Id, now));
        foreach (var plan in current.Dialplans.Values)
            if (!wanted.Dialplans.TryGetValue(plan.Id, out var w) || w.TenantId != plan.TenantId)
                Add(ProvisioningStreams.Dialplan(plan.Id), new DialplanRemoved(plan.Id, plan.TenantId, now));
        foreach (var carrier in current.Carriers.Values)
            if (!wanted.Carriers.ContainsKey(carrier.Id))
                Add(ProvisioningStreams.Carrier(carrier.Id), new CarrierRemoved(carrier.Id, now));
        foreach (var gw in current.Gateways.Values)
            if (!wanted.Gateways.ContainsKey(gw.Id))
                Add(ProvisioningStreams.Gateway(gw.Id), new GatewayRemoved(gw.Id, now));
        foreach (var tenant in current.Tenants.Values)
            if (!wanted.Tenants.ContainsKey(tenant.Id))
                Add(ProvisioningStreams.Tenant(tenant.Id), new TenantRemoved(tenant.Id, now));

        // Creations and changes, outermost objects first.
        if (!Same(current.Settings, wanted.Settings))
            Add(ProvisioningStreams.Settings, new RoutingSettingsSet(wanted.Settings, now));
        foreach (var spec in wanted.Tenants.Values)
        {
            var stream = ProvisioningStreams.Tenant(spec.Id);
            current.Tenants.TryGetValue(spec.Id, out var tenant);
            if (tenant is null) Add(stream, new TenantCreated(spec.Id, spec.Name, now));
            else if (tenant.Name != spec.Name) Add(stream, new TenantRenamed(spec.Id, spec.Name, now));
        }
        foreach (var gw in wanted.Gateways.Values)
        {
            var stream = ProvisioningStreams.Gateway(gw.Id);
            current.Gateways.TryGetValue(gw.Id, out var old);
            if (old is null)
            {
                Add(stream, new GatewayRegistered(gw.Id, gw.Address, gw.Port, gw.Transport, now, OrNull(gw.Options, GatewayOptions.Default)));
                continue;
            }
            if (old.Address != gw.Address || old.Port != gw.Port || old.Transport != gw.Transport)
                Add(stream, new GatewayChanged(gw.Id, gw.Address, gw.Port, gw.Transport, now));
            if (!Same(old.Options, gw.Options))
                Add(stream, new GatewayOptionsSet(gw.Id, gw.Options, now));
        }
        foreach (var carrier in wanted.Carriers.Values)
            if (!current.Carriers.TryGetValue(carrier.Id, out var old) || !Same(old, carrier))
                Add(ProvisioningStreams.Carrier(carrier.Id), new CarrierDefined(carrier.Id, carrier.Selection, carrier.Gateways, now));
        foreach (var rule in wanted.LcrRules.Values)
            if (!current.LcrRules.TryGetValue(rule.Id, out var old) || !Same(old, rule))
                Add(ProvisioningStreams.LcrRule(rule.Id), new LcrRuleSet(rule.Id, rule.Prefix, rule.Carriers, rule.Window, now));
        foreach (var plan in wanted.Dialplans.Values)
            if (!current.Dialplans.TryGetValue(plan.Id, out var old) || !Same(old, plan))
                Add(ProvisioningStreams.Dialplan(plan.Id), new DialplanDefined(plan.Id, plan.TenantId, plan.Rules, now));
        // A tenant's routing refers to its dialplans and to gateways: set after they exist.
        foreach (var spec in wanted.Tenants.Values)
            if (!Same(current.Tenants.TryGetValue(spec.Id, out var tenant) ? tenant.Routing : TenantRouting.Default, spec.Routing))
                Add(ProvisioningStreams.Tenant(spec.Id), new TenantRoutingSet(spec.Id, spec.Routing, now));
        foreach (var pbx in wanted.Pbxs.Values)
        {
            var stream = ProvisioningStreams.Pbx(pbx.Id);
            var fresh = !current.Pbxs.TryGetValue(pbx.Id, out var old) || old.TenantId != pbx.TenantId;
            if (fresh)
            {
                Add(stream, new PbxRegistered(pbx.Id, pbx.TenantId, pbx.Addresses, pbx.Port, pbx.Transport, now, OrNull(pbx.Routing, PbxRouting.Default)));
                continue;
            }
            if (!old!.Addresses.SequenceEqual(pbx.Addresses) || old.Port != pbx.Port || old.Transport != pbx.Transport)
                Add(stream, new PbxChanged(pbx.Id, pbx.TenantId, pbx.Addresses, pbx.Port, pbx.Transport, now));
            if (!Same(old.Routing, pbx.Routing))
                Add(stream, new PbxRoutingSet(pbx.Id, pbx.TenantId, pbx.Routing, now));
        }
        foreach (var range in wanted.DidRanges.Values)
            if (!current.DidRanges.TryGetValue(range.RangeId, out var old) || old.PbxId != range.PbxId || old.TenantId != range.TenantId)
                Add(ProvisioningStreams.DidRange(range.RangeId),
                    new DidRangeAssigned(range.RangeId, range.TenantId, range.PbxId, range.First, range.Last, now));
        foreach (var fwd in wanted.Forwards.Values)
            if (!current.Forwards.TryGetValue(fwd.Did, out var old) || old != fwd)
                Add(ProvisioningStreams.Forward(fwd.Did), new DidForwardSet(fwd.Did, fwd.TenantId, fwd.To, now));
        PlanLimits(current, wanted, Add, now);
        PlanCards(current, wanted, Add, now);
        return changes;
    }

    /// <summary>The state a (validated) document describes, as folding its events would produce it.</summary>
    public static ProvisioningState Desired(ProvisioningDocument document)
    {
        var tenants = ImmutableSortedDictionary.CreateBuilder<string, TenantState>();
        var pbxs = ImmutableSortedDictionary.CreateBuilder<string, PbxState>();
        var ranges = ImmutableSortedDictionary.CreateBuilder<string, DidRangeState>();
        var forwards = ImmutableSortedDictionary.CreateBuilder<string, ForwardState>();
        var dialplans = ImmutableSortedDictionary.CreateBuilder<string, DialplanState>();
        var gateways = ImmutableSortedDictionary.CreateBuilder<string, GatewayState>();
        var carriers = ImmutableSortedDictionary.CreateBuilder<string, CarrierState>();
        var lcr = ImmutableSortedDictionary.CreateBuilder<string, LcrRuleState>();

        foreach (var t in document.Tenants ?? [])
        {
            tenants[t.Id] = new TenantState(t.Id, t.Name ?? t.Id)
            {
                Routing = new TenantRouting(t.Dialplan, (t.BlockedPrefixes ?? []).ToArray(), (t.AllowedPrefixes ?? []).ToArray(),
                    (t.Emergency ?? []).Select(e => new EmergencyNumber(e.Number, e.Gateway)).ToArray()),
            };
            foreach (var p in t.Pbxs ?? [])
                pbxs[p.Id] = new PbxState(p.Id, t.Id, p.Addresses.ToArray(), p.Port, p.Transport)
                {
                    Routing = new PbxRouting(p.Nat, p.Dialplan,
                        p.CallerId is { } c ? new CallerIdPolicy(c.Mode, c.Number) : CallerIdPolicy.Passthrough, p.Voicemail)
                    {
                        Probe = p.Probe is { } pr ? new PbxProbe(pr.IntervalSeconds, pr.FailureThreshold, pr.RecoveryThreshold) : null,
                    },
                };
            foreach (var d in t.Dids ?? [])
            {
                var last = d.Last ?? d.First;
                var id = ProvisioningStreams.RangeId(d.First, last);
                ranges[id] = new DidRangeState(id, t.Id, d.Pbx, d.First, last);
            }
            foreach (var f in t.Forwards ?? []) forwards[f.Did] = new ForwardState(f.Did, t.Id, f.To);
            foreach (var dp in t.Dialplans ?? [])
                dialplans[dp.Id] = new DialplanState(dp.Id, t.Id, dp.Rules
                    .Select((r, i) => new DialplanRule(r.Id ?? $"{dp.Id}#{i + 1}", r.Prefix, r.Regex, r.Replace, r.Priority)).ToArray());
        }
        foreach (var g in document.Gateways ?? [])
            gateways[g.Id] = new GatewayState(g.Id, g.Address, g.Port, g.Transport)
            {
                Options = new GatewayOptions(
                    g.Auth is { } a ? new GatewayCredentials(a.Username, a.Password, a.Realm) : null,
                    g.StripDigits, g.Prefix, g.KeepPlus,
                    g.Probe?.IntervalSeconds ?? GatewayOptions.Default.ProbeIntervalSeconds,
                    g.Probe?.FailureThreshold ?? GatewayOptions.Default.ProbeFailureThreshold,
                    g.Probe?.RecoveryThreshold ?? GatewayOptions.Default.ProbeRecoveryThreshold,
                    g.RingTimeoutSeconds),
            };
        foreach (var c in document.Carriers ?? [])
            carriers[c.Id] = new CarrierState(c.Id, c.Selection, c.Gateways.Select(m => new CarrierMember(m.Gateway, m.Weight)).ToArray());
        foreach (var r in document.Lcr ?? [])
        {
            var id = r.Id ?? r.Prefix;
            lcr[id] = new LcrRuleState(id, r.Prefix, r.Carriers.Select(c => new LcrCarrier(c.Carrier, c.Priority)).ToArray(),
                r.Window is { } w ? new TimeWindow(w.Days.Select(d => d.ToLowerInvariant()).ToArray(), w.From, w.To, w.Zone) : null);
        }
        var settings = new RoutingSettings((document.BlockedPrefixes ?? []).ToArray(), (document.NumberBlocks ?? []).ToArray(), document.Enum?.Enabled ?? false,
            document.Enum?.Suffix ?? RoutingSettings.Default.EnumSuffix, document.SipDomain ?? RoutingSettings.DefaultSipDomain);

        return DesiredLimits(document, ProvisioningState.Empty) with
        {
            Tenants = tenants.ToImmutable(), Pbxs = pbxs.ToImmutable(), DidRanges = ranges.ToImmutable(),
            Forwards = forwards.ToImmutable(), Dialplans = dialplans.ToImmutable(), Gateways = gateways.ToImmutable(),
            Carriers = carriers.ToImmutable(), LcrRules = lcr.ToImmutable(), Settings = settings, CardAccessNumbers = DesiredCards(document),
        };
    }

    // New objects carry their settings in the creating event; defaults stay out of the log.
    private static T? OrNull<T>(T value, T defaults) where T : class => Same(value, defaults) ? null : value;

    // Records holding lists compare lists by reference; compare what would be stored instead.
    private static bool Same<T>(T a, T b) => JsonSerializer.Serialize(a) == JsonSerializer.Serialize(b);
}
