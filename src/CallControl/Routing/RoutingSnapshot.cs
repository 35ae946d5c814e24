using System.Net;
using CallControl.Provisioning;
using NodaTime;

namespace CallControl.Routing;

/// <summary>A PBX as the router sees it: where calls to it go.</summary>
public sealed record PbxTarget(string PbxId, string TenantId, IPAddress Address, int Port, string Transport)
{
    /// <summary>The PBX is behind NAT: send to the address/port its requests come from, fix up its Contact.</summary>
    public bool Nat { get; init; }
}

public sealed record GatewayTarget(string GatewayId, IPAddress Address, int Port, string Transport);

/// <summary>Who sent a request, found from its source address (IP authentication).</summary>
public abstract record CallSource;
public sealed record PbxSource(PbxTarget Pbx) : CallSource;
public sealed record GatewaySource(GatewayTarget Gateway) : CallSource;

internal sealed record TenantInfo(
    string Id, Dialplan? Dialplan, string[] Blocked, string[] Allowed, Dictionary<string, GatewayInfo> Emergency);

internal sealed record PbxInfo(PbxTarget Target, TenantInfo Tenant, Dialplan? Dialplan, CallerIdPolicy CallerId, SipUri? Voicemail, string? VoicemailUri);

/// <summary>
/// The routing tables, built once from a <see cref="ProvisioningState"/> and never changed: a routing
/// change builds a new snapshot and swaps it (DESIGN.md rule 3). Regexes, zones and prefixes are
/// compiled here, once. Source, DID and LCR lookups allocate nothing.
/// </summary>
public sealed class RoutingSnapshot
{
    private readonly Dictionary<IPAddress, CallSource> _sourcesByAddress = new();
    private readonly (AddressRange Range, CallSource Source)[] _sourceRanges;
    private readonly PbxInfo[] _pbxInfos;
    private readonly Dictionary<string, int> _pbxIndex = new();
    private readonly DidTable _dids;
    private readonly Dictionary<string, ForwardState> _forwards;
    private readonly Dictionary<string, GatewayInfo> _gateways = new();
    private readonly LcrTable _lcr;
    private readonly string[] _globalBlocked;
    private readonly Dictionary<string, TenantInfo> _tenants;

    public static readonly RoutingSnapshot Empty = new(ProvisioningState.Empty);

    public ProvisioningState State { get; }
    public Instant? AsOf => State.AsOf;
    public IReadOnlyDictionary<string, PbxTarget> Pbxs { get; }
    public IReadOnlyDictionary<string, GatewayTarget> Gateways { get; }
    public RoutingSettings Settings => State.Settings;
    public int DidRangeCount => _dids.Count;
    public int LcrRuleCount => _lcr.Count;
    /// <summary>Calling-card access numbers are provisioned (else no dialled string is looked at as a card call).</summary>
    public bool HasCardAccessNumbers => State.CardAccessNumbers.Count > 0;
    public bool IsCardAccessNumber(string e164) => State.CardAccessNumbers.Contains(e164);

    public RoutingSnapshot(ProvisioningState state)
    {
        State = state;
        var gateways = new Dictionary<string, GatewayTarget>();
        foreach (var gw in state.Gateways.Values)
        {
            if (!IPAddress.TryParse(gw.Address, out var address)) continue;
            var target = new GatewayTarget(gw.Id, address, gw.Port, gw.Transport);
            gateways[gw.Id] = target;
            var host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
            _gateways[gw.Id] = new GatewayInfo(target, gw.Options, $"{host}:{gw.Port}");
            _sourcesByAddress[address] = new GatewaySource(target);
        }

        var dialplans = state.Dialplans.Values.ToDictionary(d => d.Id, d => new Dialplan(d));
        var tenants = new Dictionary<string, TenantInfo>();
        foreach (var t in state.Tenants.Values)
        {
            var r = t.Routing;
            var emergency = new Dictionary<string, GatewayInfo>();
            foreach (var e in r.Emergency)
                if (_gateways.TryGetValue(e.GatewayId, out var gw)) emergency[e.Number] = gw;
            tenants[t.Id] = new TenantInfo(t.Id, r.DialplanId is { } d ? dialplans.GetValueOrDefault(d) : null,
                r.BlockedPrefixes.ToArray(), r.AllowedPrefixes.ToArray(), emergency);
        }

        _tenants = tenants;
        var ranges = new List<(AddressRange, CallSource)>();
        var pbxs = new Dictionary<string, PbxTarget>();
        var infos = new List<PbxInfo>();
        foreach (var pbx in state.Pbxs.Values)
        {
            var parsed = pbx.Addresses.Select(a => AddressRange.TryParse(a, out var r) ? r : (AddressRange?)null).OfType<AddressRange>().ToArray();
            if (parsed.Length == 0) continue;
            var routing = pbx.Routing;
            var target = new PbxTarget(pbx.Id, pbx.TenantId, parsed[0].Network, pbx.Port, pbx.Transport) { Nat = routing.Nat };
            pbxs[pbx.Id] = target;
            var tenant = tenants.GetValueOrDefault(pbx.TenantId) ?? new TenantInfo(pbx.TenantId, null, [], [], new());
            var dialplan = routing.DialplanId is { } d ? dialplans.GetValueOrDefault(d) : tenant.Dialplan;
            SipUri? voicemail = SipUri.TryParse(routing.VoicemailUri, out var vm) ? vm : null;
            _pbxIndex[pbx.Id] = infos.Count;
            infos.Add(new PbxInfo(target, tenant, dialplan, routing.CallerId, voicemail, voicemail is null ? null : routing.VoicemailUri));
            var source = new PbxSource(target);
            foreach (var range in parsed)
            {
                if (range.IsSingleAddress) _sourcesByAddress[range.Network] = source;
                else ranges.Add((range, source));
            }
        }
        _pbxInfos = infos.ToArray();
        // Longest prefix first, so a /32 inside a /24 of another PBX would win (validation forbids overlap).
        _sourceRanges = ranges.OrderByDescending(r => r.Item1.PrefixLength).ToArray();
        _dids = new DidTable(state.DidRanges.Values, id => _pbxIndex.GetValueOrDefault(id, -1));
        _forwards = new Dictionary<string, ForwardState>(state.Forwards);

        var carriers = new Dictionary<string, CarrierInfo>();
        foreach (var c in state.Carriers.Values)
            carriers[c.Id] = new CarrierInfo(c.Id, c.Selection == CarrierSelections.Weighted,
                c.Gateways.Where(m => _gateways.ContainsKey(m.GatewayId)).Select(m => (_gateways[m.GatewayId], m.Weight)).ToArray());
        var windows = new Dictionary<string, LcrTimeWindow>(); // share compiled windows between rules
        _lcr = new LcrTable(state.LcrRules.Values
            .Where(r => E164.IsValidPrefix(r.Prefix))
            .Select(r => new LcrEntry(r.Id, r.Prefix,
                r.Window is { } w ? Window(windows, w) : null,
                r.Carriers.Where(c => carriers.ContainsKey(c.CarrierId)).OrderBy(c => c.Priority)
                    .Select(c => (carriers[c.CarrierId], c.Priority)).ToArray())));
        _globalBlocked = state.Settings.BlockedPrefixes.ToArray();
        Pbxs = pbxs;
        Gateways = gateways;
    }

    private static LcrTimeWindow Window(Dictionary<string, LcrTimeWindow> compiled, TimeWindow w)
    {
        var key = $"{string.Join(',', w.Days)}|{w.From}|{w.To}|{w.Zone}";
        if (!compiled.TryGetValue(key, out var window)) compiled[key] = window = new LcrTimeWindow(w);
        return window;
    }

    public CallSource? FindSource(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (_sourcesByAddress.TryGetValue(address, out var source)) return source;
        foreach (var (range, rangeSource) in _sourceRanges)
            if (range.Contains(address)) return rangeSource;
        return null;
    }

    /// <summary>The PBX that owns an E.164 number, and the DID range that says so.</summary>
    public (PbxTarget Pbx, string RangeId)? FindDid(string e164)
    {
        var i = _dids.Find(e164);
        if (i < 0) return null;
        ref readonly var entry = ref _dids[i];
        return (_pbxInfos[entry.Owner].Target, entry.Range.RangeId);
    }

    internal bool TryFindDid(string e164, out PbxInfo pbx, out DidRangeState range)
    {
        var i = _dids.Find(e164);
        if (i < 0)
        {
            pbx = null!;
            range = null!;
            return false;
        }
        ref readonly var entry = ref _dids[i];
        pbx = _pbxInfos[entry.Owner];
        range = entry.Range;
        return true;
    }

    internal PbxInfo? Pbx(string pbxId) => _pbxIndex.TryGetValue(pbxId, out var i) ? _pbxInfos[i] : null;
    internal TenantInfo? TenantOf(string tenantId) => _tenants.GetValueOrDefault(tenantId);
    internal ForwardState? Forward(string did) => _forwards.GetValueOrDefault(did);
    internal string[] GlobalBlocked => _globalBlocked;
    internal LcrTable Lcr => _lcr;
}
