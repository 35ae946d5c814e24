using System.Net;
using CallControl.Provisioning;
using NodaTime;

namespace CallControl.Routing;

/// <summary>A PBX as the router sees it: where calls to it go.</summary>
public sealed record PbxTarget(string PbxId, string TenantId, IPAddress Address, int Port, string Transport);

public sealed record GatewayTarget(string GatewayId, IPAddress Address, int Port, string Transport);

/// <summary>Who sent a request, found from its source address (IP authentication).</summary>
public abstract record CallSource;
public sealed record PbxSource(PbxTarget Pbx) : CallSource;
public sealed record GatewaySource(GatewayTarget Gateway) : CallSource;

/// <summary>
/// The routing tables, built once from a <see cref="ProvisioningState"/> and never changed: a routing
/// change builds a new snapshot and swaps it (DESIGN.md rule 3). Lookups allocate nothing.
/// </summary>
public sealed class RoutingSnapshot
{
    private readonly Dictionary<IPAddress, CallSource> _sourcesByAddress = new();
    private readonly (AddressRange Range, CallSource Source)[] _sourceRanges;
    // DID ranges sorted by (digit count, first); disjoint by validation.
    private readonly DidRangeEntry[] _dids;

    public static readonly RoutingSnapshot Empty = new(ProvisioningState.Empty);

    public ProvisioningState State { get; }
    public Instant? AsOf => State.AsOf;
    public IReadOnlyDictionary<string, PbxTarget> Pbxs { get; }
    public IReadOnlyDictionary<string, GatewayTarget> Gateways { get; }

    private readonly record struct DidRangeEntry(int Length, long First, long Last, string RangeId, PbxTarget Pbx);

    public RoutingSnapshot(ProvisioningState state)
    {
        State = state;
        var ranges = new List<(AddressRange, CallSource)>();
        var pbxs = new Dictionary<string, PbxTarget>();
        foreach (var pbx in state.Pbxs.Values)
        {
            var parsed = pbx.Addresses.Select(a => AddressRange.TryParse(a, out var r) ? r : (AddressRange?)null).OfType<AddressRange>().ToArray();
            if (parsed.Length == 0) continue;
            var target = new PbxTarget(pbx.Id, pbx.TenantId, parsed[0].Network, pbx.Port, pbx.Transport);
            pbxs[pbx.Id] = target;
            foreach (var range in parsed)
            {
                if (range.IsSingleAddress) _sourcesByAddress[range.Network] = new PbxSource(target);
                else ranges.Add((range, new PbxSource(target)));
            }
        }
        var gateways = new Dictionary<string, GatewayTarget>();
        foreach (var gw in state.Gateways.Values)
        {
            if (!IPAddress.TryParse(gw.Address, out var address)) continue;
            var target = new GatewayTarget(gw.Id, address, gw.Port, gw.Transport);
            gateways[gw.Id] = target;
            _sourcesByAddress[address] = new GatewaySource(target);
        }
        // Longest prefix first, so a /32 inside a /24 of another PBX would win (validation forbids overlap).
        _sourceRanges = ranges.OrderByDescending(r => r.Item1.PrefixLength).ToArray();
        _dids = state.DidRanges.Values
            .Where(r => pbxs.ContainsKey(r.PbxId))
            .Select(r => new DidRangeEntry(r.First.Length, E164.Digits(r.First), E164.Digits(r.Last), r.RangeId, pbxs[r.PbxId]))
            .OrderBy(r => r.Length).ThenBy(r => r.First)
            .ToArray();
        Pbxs = pbxs;
        Gateways = gateways;
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
        if (!E164.IsValid(e164)) return null;
        long digits = E164.Digits(e164);
        int length = e164.Length, lo = 0, hi = _dids.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var entry = _dids[mid];
            var cmp = entry.Length != length ? entry.Length.CompareTo(length)
                : digits < entry.First ? 1 : digits > entry.Last ? -1 : 0;
            if (cmp == 0) return (entry.Pbx, entry.RangeId);
            if (cmp < 0) lo = mid + 1; else hi = mid - 1;
        }
        return null;
    }
}
