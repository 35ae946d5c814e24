using NodaTime;

namespace CallControl.Provisioning;

/// <summary>An event to append to a provisioning stream.</summary>
public sealed record ProvisioningChange(string StreamKey, IProvisioningEvent Event);

/// <summary>
/// Turns a validated desired-state document into the events that take the current state there.
/// Order matters for readers folding the log: tenants, then PBXs, then DIDs are created; removals go
/// the other way round (DIDs released before their PBX is removed).
/// </summary>
public static class ProvisioningPlanner
{
    public static IReadOnlyList<ProvisioningChange> Plan(ProvisioningState current, ProvisioningDocument document, Instant now)
    {
        var changes = new List<ProvisioningChange>();
        var wantedTenants = document.Tenants.ToDictionary(t => t.Id);
        var wantedPbxs = document.Tenants.SelectMany(t => t.Pbxs.Select(p => new PbxState(p.Id, t.Id, p.Addresses.ToArray(), p.Port, p.Transport)))
            .ToDictionary(p => p.Id);
        var wantedRanges = document.Tenants.SelectMany(t => t.Dids.Select(d =>
            {
                var last = d.Last ?? d.First;
                return new DidRangeState(ProvisioningStreams.RangeId(d.First, last), t.Id, d.Pbx, d.First, last);
            }))
            .ToDictionary(r => r.RangeId);
        var wantedGateways = document.Gateways.ToDictionary(g => g.Id, g => new GatewayState(g.Id, g.Address, g.Port, g.Transport));

        // Removals first, innermost objects first.
        foreach (var range in current.DidRanges.Values)
            if (!wantedRanges.TryGetValue(range.RangeId, out var wanted) || wanted.PbxId != range.PbxId || wanted.TenantId != range.TenantId)
                changes.Add(new(ProvisioningStreams.DidRange(range.RangeId), new DidRangeReleased(range.RangeId, range.TenantId, range.PbxId, now)));
        foreach (var pbx in current.Pbxs.Values)
            if (!wantedPbxs.TryGetValue(pbx.Id, out var wanted) || wanted.TenantId != pbx.TenantId)
                changes.Add(new(ProvisioningStreams.Pbx(pbx.Id), new PbxRemoved(pbx.Id, pbx.TenantId, now)));
        foreach (var gw in current.Gateways.Values)
            if (!wantedGateways.ContainsKey(gw.Id))
                changes.Add(new(ProvisioningStreams.Gateway(gw.Id), new GatewayRemoved(gw.Id, now)));
        foreach (var tenant in current.Tenants.Values)
            if (!wantedTenants.ContainsKey(tenant.Id))
                changes.Add(new(ProvisioningStreams.Tenant(tenant.Id), new TenantRemoved(tenant.Id, now)));

        // Creations and changes, outermost objects first.
        foreach (var spec in document.Tenants)
        {
            var name = spec.Name ?? spec.Id;
            if (!current.Tenants.TryGetValue(spec.Id, out var tenant))
                changes.Add(new(ProvisioningStreams.Tenant(spec.Id), new TenantCreated(spec.Id, name, now)));
            else if (tenant.Name != name)
                changes.Add(new(ProvisioningStreams.Tenant(spec.Id), new TenantRenamed(spec.Id, name, now)));
        }
        foreach (var pbx in wantedPbxs.Values)
        {
            var stream = ProvisioningStreams.Pbx(pbx.Id);
            if (!current.Pbxs.TryGetValue(pbx.Id, out var old) || old.TenantId != pbx.TenantId)
                changes.Add(new(stream, new PbxRegistered(pbx.Id, pbx.TenantId, pbx.Addresses, pbx.Port, pbx.Transport, now)));
            else if (!old.Addresses.SequenceEqual(pbx.Addresses) || old.Port != pbx.Port || old.Transport != pbx.Transport)
                changes.Add(new(stream, new PbxChanged(pbx.Id, pbx.TenantId, pbx.Addresses, pbx.Port, pbx.Transport, now)));
        }
        foreach (var range in wantedRanges.Values)
            if (!current.DidRanges.TryGetValue(range.RangeId, out var old) || old.PbxId != range.PbxId || old.TenantId != range.TenantId)
                changes.Add(new(ProvisioningStreams.DidRange(range.RangeId),
                    new DidRangeAssigned(range.RangeId, range.TenantId, range.PbxId, range.First, range.Last, now)));
        foreach (var gw in wantedGateways.Values)
        {
            var stream = ProvisioningStreams.Gateway(gw.Id);
            if (!current.Gateways.TryGetValue(gw.Id, out var old))
                changes.Add(new(stream, new GatewayRegistered(gw.Id, gw.Address, gw.Port, gw.Transport, now)));
            else if (old != gw)
                changes.Add(new(stream, new GatewayChanged(gw.Id, gw.Address, gw.Port, gw.Transport, now)));
        }
        return changes;
    }
}
