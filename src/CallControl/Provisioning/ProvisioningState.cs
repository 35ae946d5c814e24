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

    public ProvisioningState Apply(IProvisioningEvent e) => ApplyAll([e]);

    /// <summary>Folds a batch of events. One set of builders for the whole batch: a start-up fold of a million
    /// DIDs mutates one tree instead of copying a path per event; collections the batch does not touch stay
    /// the same instances, which is how the routing snapshot tells what it can reuse.</summary>
    public ProvisioningState ApplyAll(IEnumerable<IProvisioningEvent> events)
    {
        Fold? fold = null;
        foreach (var e in events) (fold ??= new Fold(this)).Apply(e);
        return fold?.ToState() ?? this;
    }

    /// <summary>Folds only the events that took effect at or before <paramref name="asOf"/> (events are in commit order).</summary>
    public ProvisioningState ApplyUntil(IEnumerable<IProvisioningEvent> events, Instant asOf) =>
        ApplyAll(events.TakeWhile(e => e.At <= asOf));

}
