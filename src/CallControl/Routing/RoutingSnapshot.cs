using System.Collections.Immutable;
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
/// The routing tables, built from a <see cref="ProvisioningState"/> and never changed: a routing change
/// builds a new snapshot and swaps it (DESIGN.md rule 3). Regexes, zones and prefixes are compiled here,
/// once. Source, DID and LCR lookups allocate nothing.
/// <para>
/// <see cref="Apply"/> builds the next snapshot from the previous one and reuses what the events did not
/// touch: the fold leaves untouched collections of the state as the same instances, so each part is
/// rebuilt only when one of its inputs is a different instance, and the DID table (a million entries on
/// a large cloud) and the LCR table (a hundred thousand prefixes) take the changed ranges and rules into
/// copies of the shards they land in. The result equals a snapshot built from scratch over the same state
/// (property-tested).
/// </para>
/// </summary>
public sealed partial class RoutingSnapshot
{
    private readonly RoutingEndpoints _endpoints;
    private readonly Dictionary<string, CarrierInfo> _carriers;
    private readonly LcrTable _lcr;
    private readonly DidTable _dids;
    private readonly Dictionary<string, ForwardState> _forwards;
    private readonly string[] _globalBlocked;

    public static readonly RoutingSnapshot Empty = new(ProvisioningState.Empty);

    public ProvisioningState State { get; }
    public Instant? AsOf => State.AsOf;
    public IReadOnlyDictionary<string, PbxTarget> Pbxs => _endpoints.Pbxs;
    public IReadOnlyDictionary<string, GatewayTarget> Gateways => _endpoints.Gateways;
    public RoutingSettings Settings => State.Settings;
    /// <summary>DID ranges in the table (ranges whose numbers are E.164).</summary>
    public int DidRangeCount => _dids.Count;
    public int LcrRuleCount => _lcr.Count;
    /// <summary>Calling-card access numbers are provisioned (else no dialled string is looked at as a card call).</summary>
    public bool HasCardAccessNumbers => State.CardAccessNumbers.Count > 0;
    public bool IsCardAccessNumber(string e164) => State.CardAccessNumbers.Contains(e164);

    /// <summary>Builds every table from the state (start-up, as-of queries).</summary>
    public RoutingSnapshot(ProvisioningState state) : this(state, null, null) { }

    /// <summary>The ids of the DID ranges and LCR rules a batch of events touched (null: too many, build that table anew).</summary>
    private sealed record Touched(IReadOnlyCollection<string>? Ranges, IReadOnlyCollection<string>? LcrRules);

    private RoutingSnapshot(ProvisioningState state, RoutingSnapshot? previous, Touched? touched)
    {
        State = state;
        var old = previous?.State;
        var sameDialplans = old is not null && ReferenceEquals(old.Dialplans, state.Dialplans);
        _endpoints = previous is not null && sameDialplans && ReferenceEquals(old!.Tenants, state.Tenants) &&
                     ReferenceEquals(old.Pbxs, state.Pbxs) && ReferenceEquals(old.Gateways, state.Gateways)
            ? previous._endpoints
            : new RoutingEndpoints(state, previous?._endpoints, sameDialplans);
        _carriers = previous is not null && ReferenceEquals(previous._endpoints, _endpoints) && ReferenceEquals(old!.Carriers, state.Carriers)
            ? previous._carriers
            : _endpoints.Carriers(state);
        _lcr = previous is null ? LcrTable.Build(state.LcrRules.Values)
            : ReferenceEquals(old!.LcrRules, state.LcrRules) ? previous._lcr
            : touched?.LcrRules is not { } lcrRules ? LcrTable.Build(state.LcrRules.Values)
            : ChangedLcr(previous._lcr, old.LcrRules, state.LcrRules, lcrRules);
        _forwards = previous is not null && ReferenceEquals(old!.Forwards, state.Forwards)
            ? previous._forwards
            : new Dictionary<string, ForwardState>(state.Forwards);
        _dids = previous is null ? DidTable.Build(state.DidRanges.Values)
            : ReferenceEquals(old!.DidRanges, state.DidRanges) ? previous._dids
            : touched?.Ranges is not { } ranges ? DidTable.Build(state.DidRanges.Values)
            : Changed(previous._dids, old.DidRanges, state.DidRanges, ranges);
        _globalBlocked = previous is not null && ReferenceEquals(old!.Settings, state.Settings)
            ? previous._globalBlocked
            : state.Settings.BlockedPrefixes.ToArray();
    }

    private static DidTable Changed(DidTable table, IImmutableDictionary<string, DidRangeState> before,
        IImmutableDictionary<string, DidRangeState> after, IReadOnlyCollection<string> touched)
    {
        var (removed, added) = Diff(before, after, touched);
        return table.With(removed, added);
    }

    /// <summary>What the touched ids were before and are after, where they differ (removed: the old versions; added: the new).</summary>
    private static (List<T> Removed, List<T> Added) Diff<T>(IReadOnlyDictionary<string, T> before, IReadOnlyDictionary<string, T> after,
        IReadOnlyCollection<string> touched) where T : class
    {
        var removed = new List<T>();
        var added = new List<T>();
        foreach (var id in touched)
        {
            before.TryGetValue(id, out var was);
            after.TryGetValue(id, out var now);
            if (ReferenceEquals(was, now)) continue;
            if (was is not null) removed.Add(was);
            if (now is not null) added.Add(now);
        }
        return (removed, added);
    }

    private static LcrTable ChangedLcr(LcrTable table, ImmutableSortedDictionary<string, LcrRuleState> before,
        ImmutableSortedDictionary<string, LcrRuleState> after, IReadOnlyCollection<string> touched)
    {
        var (removed, added) = Diff(before, after, touched);
        return table.With(removed, added, after.KeyComparer);
    }

    /// <summary>
    /// The snapshot after <paramref name="events"/> (in commit order): the state folded on, and the tables
    /// built from this snapshot's, reusing every part whose inputs the events left alone. The DID and LCR
    /// tables take the touched ranges and rules into copies of the shards they land in; a batch with many
    /// such changes (start-up) builds that table from scratch instead.
    /// </summary>
    public RoutingSnapshot Apply(IReadOnlyCollection<IProvisioningEvent> events)
    {
        if (events.Count == 0) return this;
        var state = State.ApplyAll(events);
        var didEvents = events.Count(e => e is DidRangeAssigned or DidRangeReleased);
        var lcrEvents = events.Count(e => e is LcrRuleSet or LcrRuleRemoved);
        HashSet<string>? ranges = null, lcrRules = null;
        if (didEvents <= Math.Max(4_096, _dids.Count / 8))
        {
            ranges = new HashSet<string>(didEvents, StringComparer.Ordinal);
            foreach (var e in events)
                if (e is DidRangeAssigned a) ranges.Add(a.RangeId);
                else if (e is DidRangeReleased r) ranges.Add(r.RangeId);
        }
        if (lcrEvents <= Math.Max(1_024, _lcr.Count / 8))
        {
            lcrRules = new HashSet<string>(lcrEvents, StringComparer.Ordinal);
            foreach (var e in events)
                if (e is LcrRuleSet s) lcrRules.Add(s.RuleId);
                else if (e is LcrRuleRemoved r) lcrRules.Add(r.RuleId);
        }
        return new RoutingSnapshot(state, this, new Touched(ranges, lcrRules));
    }

    public CallSource? FindSource(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (_endpoints.SourcesByAddress.TryGetValue(address, out var source)) return source;
        foreach (var (range, rangeSource) in _endpoints.SourceRanges)
            if (range.Contains(address)) return rangeSource;
        return null;
    }

    /// <summary>The DID table as an index of the provisioned ranges (what a single DID change is checked against).</summary>
    public DidRangeIndex DidIndex => new(_dids);

    /// <summary>The PBX that owns an E.164 number, and the DID range that says so.</summary>
    public (PbxTarget Pbx, string RangeId)? FindDid(string e164) =>
        TryFindDid(e164, out var pbx, out var range) ? (pbx.Target, range.RangeId) : null;

    /// <summary>A number belongs to a DID range whose PBX exists (and has a usable address).</summary>
    internal bool TryFindDid(string e164, out PbxInfo pbx, out DidRangeState range)
    {
        if (_dids.Find(e164) is { } found && _endpoints.PbxInfos.TryGetValue(found.PbxId, out var owner))
        {
            pbx = owner;
            range = found;
            return true;
        }
        pbx = null!;
        range = null!;
        return false;
    }

    internal PbxInfo? Pbx(string pbxId) => _endpoints.PbxInfos.GetValueOrDefault(pbxId);
    internal TenantInfo? TenantOf(string tenantId) => _endpoints.Tenants.GetValueOrDefault(tenantId);
    internal ForwardState? Forward(string did) => _forwards.GetValueOrDefault(did);
    internal CarrierInfo? Carrier(string carrierId) => _carriers.GetValueOrDefault(carrierId);
    internal string[] GlobalBlocked => _globalBlocked;
    internal LcrTable Lcr => _lcr;
}
