using CallControl.Host.Provisioning;
using CallControl.Routing;
using NodaTime;

namespace CallControl.Host.Routing;

/// <summary>The answer to "how would this number route from this PBX, now or at an instant?".</summary>
public sealed record RouteExplanation(string FromPbx, string Number, Instant? TablesAsOf, long Sequence,
    string Outcome, int? StatusCode, string? Target, string Reason, IReadOnlyList<RouteCandidate> Candidates);

/// <summary>
/// Dry run and as-of query: the same pure router the SIP path uses, over a snapshot folded from the
/// provisioning events up to the instant asked for. Places no call and records nothing.
/// </summary>
public sealed class RouteQuery(ProvisioningLog log)
{
    public async Task<RouteExplanation?> ExplainAsync(string fromPbx, string number, Instant? at, CancellationToken ct = default)
    {
        var (state, sequence) = await log.LoadAsync(at, ct);
        var snapshot = new RoutingSnapshot(state);
        if (!snapshot.Pbxs.TryGetValue(fromPbx, out var pbx)) return null;
        var result = Router.Route(snapshot, new CallAttempt(pbx.Address, number, "dry-run"));
        return result switch
        {
            RoutedToPbx r => new RouteExplanation(fromPbx, number, state.AsOf, sequence, "routed", null,
                $"pbx:{r.Pbx.PbxId} ({r.Pbx.Transport}:{r.Pbx.Address}:{r.Pbx.Port})", r.Reason, r.Candidates),
            CallRefused r => new RouteExplanation(fromPbx, number, state.AsOf, sequence, "refused", r.StatusCode, null, r.Reason, r.Candidates),
            _ => new RouteExplanation(fromPbx, number, state.AsOf, sequence, result.GetType().Name, null, null, "", result.Candidates),
        };
    }
}
