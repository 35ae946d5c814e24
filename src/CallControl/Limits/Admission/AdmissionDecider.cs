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

        var hit = FirstHit(limits, usage, scopes[..count], sourceCount, [], request.EstimatedKbps, now);
        return Outcome(hit, request.IsEmergency, options);
    }

    /// <summary>
    /// A call with several targets in failover order (LCR gateways; a PBX then its voicemail): admitted on the first
    /// target whose link has room. A limit of the caller's side refuses the call at once (no target can change that);
    /// a limit of a target's side skips that target, with the hit recorded. Emergency calls are admitted on the first
    /// target, past any limit (routing decides where they go, limits never do).
    /// </summary>
    public static CandidateAdmission DecideFirstFree(
        LimitsTable limits, IUsageView usage, CallLink source, IReadOnlyList<CallLink> targets, int kbps, bool isEmergency,
        Instant now, AdmissionOptions options)
    {
        List<SkippedTarget>? skipped = null;
        Refused? last = null;
        var count = Math.Max(1, targets.Count);
        for (int i = 0; i < count; i++)
        {
            var target = targets.Count == 0 ? CallLink.Unlimited : targets[i];
            var decision = Decide(limits, usage, new AdmissionRequest(source, target, kbps, isEmergency), now, options);
            if (decision is not Refused refused)
                return new CandidateAdmission(decision, i, (IReadOnlyList<SkippedTarget>?)skipped ?? []);
            if (refused.Hit.Side == LinkSide.Source)
                return new CandidateAdmission(refused, -1, (IReadOnlyList<SkippedTarget>?)skipped ?? []);
            (skipped ??= []).Add(new SkippedTarget(i, refused.Hit));
            last = refused;
        }
        return new CandidateAdmission(last!, -1, skipped!);
    }

    /// <summary>
    /// Gateway failover: the call (already admitted and counted in <paramref name="usage"/> with
    /// <paramref name="current"/>'s target) moves to <paramref name="newTarget"/>. Only the legs the move adds are
    /// checked (typically the new gateway's channels); scopes the call already holds are not checked again.
    /// </summary>
    public static AdmissionDecision DecideRetarget(
        LimitsTable limits, IUsageView usage, AdmissionRequest current, CallLink newTarget, Instant now, AdmissionOptions options)
    {
        var heldBuffer = new ScopeBuffer();
        Span<ScopeId> held = heldBuffer;
        int heldSource = current.Source.CopyScopesTo(held);
        int heldCount = heldSource + current.Target.CopyScopesTo(held[heldSource..]);

        var buffer = new ScopeBuffer();
        Span<ScopeId> scopes = buffer;
        int sourceCount = current.Source.CopyScopesTo(scopes);
        int count = sourceCount + newTarget.CopyScopesTo(scopes[sourceCount..]);

        var hit = FirstHit(limits, usage, scopes[..count], sourceCount, held[..heldCount], current.EstimatedKbps, now);
        return Outcome(hit, current.IsEmergency, options);
    }

    private static AdmissionDecision Outcome(LimitHit? hit, bool isEmergency, AdmissionOptions options)
    {
        if (hit is null)
            return Admitted.Plain;
        if (isEmergency)
            return new Admitted(hit);
        return new Refused(hit, options.AnswerFor(hit));
    }

    /// <summary>How many more legs <paramref name="scope"/> gets: its count in the new set minus what is held.</summary>
    internal static int AddedLegs(ReadOnlySpan<ScopeId> scopes, ReadOnlySpan<ScopeId> alreadyHeld, ScopeId scope)
    {
        int legs = 0;
        foreach (var s in scopes)
            if (s == scope) legs++;
        foreach (var s in alreadyHeld)
            if (s == scope) legs--;
        return legs;
    }

    private static LimitHit? FirstHit(
        LimitsTable limits, IUsageView usage, ReadOnlySpan<ScopeId> scopes, int sourceCount,
        ReadOnlySpan<ScopeId> alreadyHeld, int kbps, Instant now)
    {
        for (int i = 0; i < scopes.Length; i++)
        {
            var scope = scopes[i];
            if (scopes[..i].Contains(scope))
                continue; // already checked with all its legs
            int legs = AddedLegs(scopes, alreadyHeld, scope);
            if (legs <= 0)
                continue;
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
