using System.Runtime.CompilerServices;
using NodaTime;

namespace CallControl.Limits;

/// <summary>
/// Pure admission decision: (limits, usage, request, instant) -> Admitted or Refused with the limit that hit.
/// </summary>
/// <remarks>
/// Every scope of both links is checked: source PBX and tenant (or source gateway), then target PBX and tenant
/// (or target gateway). The first limit that would be exceeded is reported; order is source before target, and
/// within a scope calls/channels, then bandwidth, then calls per second. Counting is per leg: when the same scope
/// is on both sides (a PBX calling a DID on itself, two PBXs of one tenant) the call uses it twice, because the
/// media crosses that link (or that tenant's links) twice.
/// Emergency calls are admitted regardless; the limit they went past is returned for the audit trail.
/// </remarks>
public static class AdmissionDecider
{
    public static AdmissionDecision Decide(
        LimitsTable limits, IUsageView usage, AdmissionRequest request, Instant now, AdmissionOptions options)
    {
        var buffer = new ScopeBuffer();
        Span<ScopeId> scopes = buffer;
        int sourceCount = request.Source.CopyScopesTo(scopes);
        int count = sourceCount + request.Target.CopyScopesTo(scopes[sourceCount..]);

        var hit = FirstHit(limits, usage, scopes[..count], sourceCount, request.EstimatedKbps, now);
        if (hit is null)
            return Admitted.Plain;
        if (request.IsEmergency)
            return new Admitted(hit);
        return new Refused(hit, options.AnswerFor(hit));
    }

    private static LimitHit? FirstHit(
        LimitsTable limits, IUsageView usage, ReadOnlySpan<ScopeId> scopes, int sourceCount, int kbps, Instant now)
    {
        for (int i = 0; i < scopes.Length; i++)
        {
            var scope = scopes[i];
            if (scopes[..i].Contains(scope))
                continue; // already checked with all its legs
            int legs = 0;
            foreach (var s in scopes)
                if (s == scope) legs++;
            var side = i < sourceCount ? LinkSide.Source : LinkSide.Target;
            var used = usage.UsageOf(scope, now);
            var hit = scope.Kind switch
            {
                ScopeKind.Pbx => CheckLink(scope, side, limits.ForPbx(scope.Id), used, legs, kbps),
                ScopeKind.Tenant => CheckLink(scope, side, limits.ForTenant(scope.Id), used, legs, kbps),
                _ => CheckGateway(scope, side, limits.ForGateway(scope.Id), used, legs),
            };
            if (hit is not null)
                return hit;
        }
        return null;
    }

    private static LimitHit? CheckLink(ScopeId scope, LinkSide side, LinkLimits limits, ScopeUsage used, int legs, int kbps)
    {
        if (limits.MaxCalls is int maxCalls && (long)used.ActiveCalls + legs > maxCalls)
            return new LimitHit(scope, side, LimitKind.Calls, maxCalls, used.ActiveCalls, legs);
        long requestedKbps = (long)legs * kbps;
        if (limits.MaxKbps is long maxKbps && used.ReservedKbps + requestedKbps > maxKbps)
            return new LimitHit(scope, side, LimitKind.Bandwidth, maxKbps, used.ReservedKbps, requestedKbps);
        if (limits.MaxCallsPerSecond is int maxCps && (long)used.NewCallsInWindow + legs > maxCps)
            return new LimitHit(scope, side, LimitKind.CallsPerSecond, maxCps, used.NewCallsInWindow, legs);
        return null;
    }

    private static LimitHit? CheckGateway(ScopeId scope, LinkSide side, GatewayLimits limits, ScopeUsage used, int legs)
    {
        if (limits.MaxChannels is int maxChannels && (long)used.ActiveCalls + legs > maxChannels)
            return new LimitHit(scope, side, LimitKind.Channels, maxChannels, used.ActiveCalls, legs);
        return null;
    }
}

/// <summary>Room for the scopes of one call (at most PBX + tenant on each side) without a heap allocation.</summary>
[InlineArray(4)]
internal struct ScopeBuffer
{
    private ScopeId _first;
}
