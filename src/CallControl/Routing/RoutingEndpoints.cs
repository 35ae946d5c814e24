using System.Net;
using CallControl.Provisioning;

namespace CallControl.Routing;

/// <summary>
/// The small tables of a snapshot: gateways, dialplans, tenants, PBXs and the source addresses that
/// identify them. A few thousand objects even on a large cloud, so they are built as a whole whenever a
/// tenant, PBX, gateway or dialplan changes (a millisecond), and shared between snapshots otherwise.
/// </summary>
internal sealed class RoutingEndpoints
{
    public readonly Dictionary<IPAddress, CallSource> SourcesByAddress = new();
    public readonly (AddressRange Range, CallSource Source)[] SourceRanges;
    public readonly Dictionary<string, PbxInfo> PbxInfos = new();
    public readonly Dictionary<string, GatewayInfo> GatewayInfos = new();
    public readonly Dictionary<string, TenantInfo> Tenants = new();
    public readonly Dictionary<string, Dialplan> Dialplans;
    public readonly Dictionary<string, PbxTarget> Pbxs = new();
    public readonly Dictionary<string, GatewayTarget> Gateways = new();

    /// <param name="previous">Endpoints of the snapshot before, whose compiled dialplans are reused when
    /// the dialplans did not change (regexes are the expensive part).</param>
    public RoutingEndpoints(ProvisioningState state, RoutingEndpoints? previous, bool sameDialplans)
    {
        foreach (var gw in state.Gateways.Values)
        {
            if (!IPAddress.TryParse(gw.Address, out var address)) continue;
            var target = new GatewayTarget(gw.Id, address, gw.Port, gw.Transport);
            Gateways[gw.Id] = target;
            var host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
            GatewayInfos[gw.Id] = new GatewayInfo(target, gw.Options, $"{host}:{gw.Port}");
            SourcesByAddress[address] = new GatewaySource(target);
        }

        Dialplans = previous is not null && sameDialplans
            ? previous.Dialplans
            : state.Dialplans.Values.ToDictionary(d => d.Id, d => new Dialplan(d));
        foreach (var t in state.Tenants.Values)
        {
            var r = t.Routing;
            var emergency = new Dictionary<string, GatewayInfo>();
            foreach (var e in r.Emergency)
                if (GatewayInfos.TryGetValue(e.GatewayId, out var gw)) emergency[e.Number] = gw;
            Tenants[t.Id] = new TenantInfo(t.Id, r.DialplanId is { } d ? Dialplans.GetValueOrDefault(d) : null,
                r.BlockedPrefixes.ToArray(), r.AllowedPrefixes.ToArray(), emergency);
        }

        var ranges = new List<(AddressRange, CallSource)>();
        foreach (var pbx in state.Pbxs.Values)
        {
            var parsed = pbx.Addresses.Select(a => AddressRange.TryParse(a, out var r) ? r : (AddressRange?)null).OfType<AddressRange>().ToArray();
            if (parsed.Length == 0) continue;
            var routing = pbx.Routing;
            var target = new PbxTarget(pbx.Id, pbx.TenantId, parsed[0].Network, pbx.Port, pbx.Transport) { Nat = routing.Nat };
            Pbxs[pbx.Id] = target;
            var tenant = Tenants.GetValueOrDefault(pbx.TenantId) ?? new TenantInfo(pbx.TenantId, null, [], [], new());
            var dialplan = routing.DialplanId is { } d ? Dialplans.GetValueOrDefault(d) : tenant.Dialplan;
            SipUri? voicemail = SipUri.TryParse(routing.VoicemailUri, out var vm) ? vm : null;
            PbxInfos[pbx.Id] = new PbxInfo(target, tenant, dialplan, routing.CallerId, voicemail, voicemail is null ? null : routing.VoicemailUri);
            var source = new PbxSource(target);
            foreach (var range in parsed)
            {
                if (range.IsSingleAddress) SourcesByAddress[range.Network] = source;
                else ranges.Add((range, source));
            }
        }
        // Longest prefix first, so a /32 inside a /24 of another PBX would win (validation forbids overlap).
        SourceRanges = ranges.OrderByDescending(r => r.Item1.PrefixLength).ToArray();
    }

    /// <summary>Carriers with their gateways resolved (members whose gateway does not exist are left out).</summary>
    public Dictionary<string, CarrierInfo> Carriers(ProvisioningState state)
    {
        var carriers = new Dictionary<string, CarrierInfo>();
        foreach (var c in state.Carriers.Values)
            carriers[c.Id] = new CarrierInfo(c.Id, c.Selection == CarrierSelections.Weighted,
                c.Gateways.Where(m => GatewayInfos.ContainsKey(m.GatewayId)).Select(m => (GatewayInfos[m.GatewayId], m.Weight)).ToArray());
        return carriers;
    }
}
