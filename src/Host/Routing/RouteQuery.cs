using CallControl.Host.Provisioning;
using CallControl.Routing;
using Marten;
using NodaTime;

namespace CallControl.Host.Routing;

/// <summary>The answer to "how would this number route from this PBX, now or at an instant?".</summary>
/// <param name="At">The instant routed at (LCR time windows, network health).</param>
/// <param name="Outcome">routed, refused or (ENUM on) enum-lookup.</param>
/// <param name="Targets">Every target in failover order ("gateway:gw-a sip:+44...@127.0.0.22:5060").</param>
/// <param name="EnumQuery">When ENUM is on for the number: the NAPTR query name; the route shown is what happens
/// when that query finds nothing (a dry run does no DNS).</param>
public sealed record RouteExplanation(string FromPbx, string Number, Instant? TablesAsOf, long Sequence, Instant At,
    string Outcome, int? StatusCode, string? Target, IReadOnlyList<string> Targets, string Reason,
    string? NormalizedNumber, string? NormalizationRule, string? Normalization, bool IsEmergency, string? EnumQuery,
    IReadOnlyDictionary<string, DownSince> DownGateways, IReadOnlyDictionary<string, DownSince> UnreachablePbxs,
    IReadOnlyList<RouteCandidate> Candidates)
{
    /// <summary>Live channel use of the gateway targets that have a channel limit, as the running controller counts them
    /// (a live call admitted now skips a full one). Empty for a route as of a past instant, or when nothing is known.</summary>
    public IReadOnlyList<TargetChannels> Channels { get; init; } = [];

    /// <summary>Why live channel use is not shown, when the route has gateways and it is not (controller not reachable).</summary>
    public string? ChannelsNote { get; init; }
}

/// <summary>A gateway target's channels in use against its limit, live.</summary>
public sealed record TargetChannels(int TargetIndex, string GatewayId, int InUse, int MaxChannels)
{
    /// <summary>No free channel: admission skips this gateway now.</summary>
    public bool Full => InUse >= MaxChannels;

    public override string ToString() => $"channels {InUse}/{MaxChannels}{(Full ? " full" : "")}";
}

/// <summary>What the running controller counts on each gateway now (<see cref="Gateways"/>), or why that is unknown
/// (<see cref="Unavailable"/>).</summary>
public sealed record LiveChannelUse(IReadOnlyList<CallControl.Host.Limits.GatewayUsageRow> Gateways, string? Unavailable = null)
{
    public static LiveChannelUse Unknown(string why) => new([], why);
}

/// <summary>
/// Dry run and as-of query: the same pure router the SIP path uses, over a snapshot folded from the
/// provisioning events up to the instant asked for and the network health folded from the health events
/// up to that instant. Places no call and records nothing.
/// </summary>
public sealed class RouteQuery(ProvisioningLog log, IDocumentStore store, IClock clock)
{
    /// <param name="live">The controller's live channel use, for a route now (<paramref name="at"/> null): each gateway target
    /// with a channel limit shows it. Ignored for a past instant.</param>
    public async Task<RouteExplanation?> ExplainAsync(string fromPbx, string number, Instant? at, CancellationToken ct = default, LiveChannelUse? live = null)
    {
        var (state, sequence) = await log.LoadAsync(at, ct);
        var health = await NetworkHealthService.LoadAsync(store, at, ct);
        var snapshot = new RoutingSnapshot(state);
        if (!snapshot.Pbxs.TryGetValue(fromPbx, out var pbx)) return null;
        var now = at ?? clock.GetCurrentInstant();
        var attempt = new CallAttempt(pbx.Address, number, "dry-run");
        var result = Router.Route(snapshot, attempt, health, now);
        string? enumQuery = null;
        if (result is EnumLookupRequired lookup)
        {
            enumQuery = lookup.QueryName;
            result = Router.Route(snapshot, attempt with { Enum = EnumAnswer.NotFound(lookup.Destination, "not looked up in a dry run") }, health, now);
        }

        var (outcome, status, target, targets, reason) = result switch
        {
            RoutedToPbx r => ("routed", (int?)null, $"pbx:{r.Pbx.PbxId} ({r.Pbx.Transport}:{r.Pbx.Address}:{r.Pbx.Port})",
                (IReadOnlyList<string>)[$"pbx:{r.Pbx.PbxId} sip:{r.Destination}@{r.Pbx.Address}:{r.Pbx.Port}"], r.Reason),
            RoutedToVoicemail v => ("routed", null, $"voicemail of pbx:{v.Pbx.PbxId} ({v.Voicemail.Uri})", [$"voicemail:{v.Pbx.PbxId} {v.Voicemail.Uri}"], v.Reason),
            RoutedToGateways g => ("routed", null, $"gateway:{g.Targets[0].GatewayId}" + (g.Targets.Count > 1 ? $" (+{g.Targets.Count - 1} failover)" : ""),
                g.Targets.Select(t => $"gateway:{t.GatewayId} {t.RequestUri} (ring timeout {t.RingTimeout.TotalSeconds:0} s)").ToList(), g.Reason),
            RoutedToEnum e => ("routed", null, $"enum:{e.TargetUri}", [$"enum:{e.TargetUri}"], e.Reason),
            CallRefused r => ("refused", r.StatusCode, null, [], r.Reason),
            _ => (result.GetType().Name, null, null, [], ""),
        };
        var n = result.Normalization;
        var explanation = new RouteExplanation(fromPbx, number, state.AsOf, sequence, now, outcome, status, target, targets, reason,
            n?.Number, n?.RuleId, n?.Reason, result.IsEmergency, enumQuery, health.DownGateways, health.UnreachablePbxs, result.Candidates);
        return at is null && live is not null && result is RoutedToGateways gateways ? WithChannels(explanation, gateways, live) : explanation;
    }

    private static RouteExplanation WithChannels(RouteExplanation explanation, RoutedToGateways route, LiveChannelUse live)
    {
        if (live.Unavailable is { } why) return explanation with { ChannelsNote = $"live channel use unknown: {why}" };
        var rows = live.Gateways.ToDictionary(g => g.Id, StringComparer.Ordinal);
        var channels = route.Targets
            .Select((t, i) => rows.TryGetValue(t.GatewayId, out var row) && row.MaxChannels is { } max ? new TargetChannels(i, t.GatewayId, row.Calls, max) : null)
            .OfType<TargetChannels>().ToList();
        return explanation with { Channels = channels };
    }
}
