using System.Collections.Immutable;
using NodaTime;

namespace CallControl.Routing;

/// <summary>Why and since when a gateway or PBX is considered down.</summary>
public sealed record DownSince(string Reason, Instant Since);

/// <summary>
/// Which gateways are down and which PBXs unreachable, folded from <see cref="IHealthEvent"/>s.
/// Immutable and separate from provisioning: a probe result never rebuilds the routing snapshot.
/// Everything not listed is up.
/// </summary>
public sealed record NetworkHealth
{
    public static readonly NetworkHealth AllUp = new();

    public ImmutableDictionary<string, DownSince> DownGateways { get; init; } = ImmutableDictionary<string, DownSince>.Empty;
    public ImmutableDictionary<string, DownSince> UnreachablePbxs { get; init; } = ImmutableDictionary<string, DownSince>.Empty;

    public NetworkHealth Apply(IHealthEvent e) => e switch
    {
        GatewayMarkedDown x => this with { DownGateways = DownGateways.SetItem(x.GatewayId, new DownSince($"{x.Reason} (last probe: {x.Probe})", x.At)) },
        GatewayMarkedUp x => this with { DownGateways = DownGateways.Remove(x.GatewayId) },
        PbxMarkedUnreachable x => this with { UnreachablePbxs = UnreachablePbxs.SetItem(x.PbxId, new DownSince($"{x.Reason} (last probe: {x.Probe})", x.At)) },
        PbxMarkedReachable x => this with { UnreachablePbxs = UnreachablePbxs.Remove(x.PbxId) },
        _ => this,
    };

    public NetworkHealth ApplyAll(IEnumerable<IHealthEvent> events) => events.Aggregate(this, (h, e) => h.Apply(e));

    public NetworkHealth WithGatewayDown(string gatewayId, string reason, Instant since) =>
        this with { DownGateways = DownGateways.SetItem(gatewayId, new DownSince(reason, since)) };

    public NetworkHealth WithPbxUnreachable(string pbxId, string reason, Instant since) =>
        this with { UnreachablePbxs = UnreachablePbxs.SetItem(pbxId, new DownSince(reason, since)) };
}
