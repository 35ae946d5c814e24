using System.Collections.Concurrent;
using CallControl.Calls;
using CallControl.Host.Calls;
using CallControl.Limits;
using CallControl.Routing;
using NodaTime;

namespace CallControl.Host.Limits;

/// <summary>
/// Admits a routed call against the live limits of both its links (source PBX and tenant or gateway, target
/// PBX and tenant or gateway) with the offer's worst-case bandwidth, settles the reservation when the answer
/// and any re-INVITE negotiate a codec, and releases it when the call ends. All in memory (DESIGN.md rule 3);
/// every reservation, change and refusal is an event on the call stream (rule 5).
/// </summary>
public sealed class LimitsGuard(LiveLimits limits, ControllerSettings settings) : ICallGuard
{
    private readonly BandwidthEstimator _estimator = BandwidthEstimator.Default;
    private readonly ConcurrentDictionary<string, CallMedia> _media = new(StringComparer.Ordinal);
    /// <summary>The target links of calls with more than one target, in failover order.</summary>
    private readonly ConcurrentDictionary<string, CallLink[]> _failover = new(StringComparer.Ordinal);
    private readonly Duration _maxDuration = Duration.FromTimeSpan(settings.MaxCallDuration);

    public string Name => "limits";

    /// <summary>
    /// Admits the call on the first of its targets (failover order) with room on its link: the caller's side is checked
    /// once (a limit there refuses the call), a target at a limit (a gateway without a free channel, a PBX at its calls)
    /// is skipped and recorded (<see cref="FailoverTargetSkipped"/> with <c>AtAdmission</c>), and the proxy starts its
    /// failover at the target admitted (<see cref="GuardAdmits.FirstTarget"/>). Only when every target is full is the
    /// call refused, with every limit named. Emergency calls are admitted on their first target past any limit.
    /// </summary>
    public GuardDecision Admit(NewCall call)
    {
        var registry = limits.Current();
        var (source, _) = Links(call.Route);
        var targets = CandidateLinks(call.Route);
        var offer = _estimator.EstimateOffer(call.Invite.Body.Span);
        var emergency = call.IsEmergency || call.Route.IsEmergency;
        var outcome = registry.TryAdmitFirstFree(call.CallKey, source, targets, offer.TotalKbps, emergency, call.Now);
        var skipped = outcome.Skipped.Count == 0 ? [] : outcome.Skipped.Select(t => new SkippedCandidate(t.TargetIndex, "limit: " + Describe(t.Hit))).ToList();
        switch (outcome.Decision)
        {
            case Refused refused:
            {
                var hit = refused.Hit;
                var answer = refused.Answer;
                var everyTargetFull = hit.Side == LinkSide.Target && outcome.Skipped.Count > 1;
                var reason = everyTargetFull
                    ? "Limit reached: every target is full: " + string.Join("; ", outcome.Skipped.Select(t => Describe(t.Hit)))
                    : RefusalReason(hit);
                // One CallLimitHit per limit that refused the call: every full target, and the caller's side when it hit.
                var hits = outcome.Skipped.Select(t => t.Hit).ToList();
                if (hit.Side == LinkSide.Source) hits.Add(hit);
                return new GuardRefuses(answer.StatusCode, reason, answer.RetryAfter?.ToTimeSpan())
                {
                    Q850Cause = answer.Q850Cause,
                    Events = hits.Select(h => new StreamEvent(call.CallKey, LimitHitEvent(call.CallKey, h, bypassed: false, answer.StatusCode, call.Now))).ToList(),
                    Skipped = skipped,
                };
            }
            case Admitted { AlreadyOpen: true }:
                return new GuardAdmits(_maxDuration) { FirstTarget = outcome.TargetIndex };
            case Admitted admitted:
            {
                _media[call.CallKey] = new CallMedia(call.Invite.Body.ToArray(), offer);
                if (TargetLinks(call.Route) is { Length: > 1 } links) _failover[call.CallKey] = links;
                var target = targets.Count == 0 ? CallLink.Unlimited : targets[outcome.TargetIndex];
                var events = new List<StreamEvent>(2 + outcome.Skipped.Count);
                foreach (var (index, hit) in outcome.Skipped)
                    events.Add(new(call.CallKey, new FailoverTargetSkipped(call.CallKey, index, hit.Scope.ToString(), LimitName(hit.Limit),
                        hit.LimitValue, hit.CurrentValue, call.Now, AtAdmission: true)));
                events.Add(new(call.CallKey, new BandwidthReserved(call.CallKey, offer.TotalKbps, Codecs(offer), Basis(offer.Source),
                    LinkRef.From(source), LinkRef.From(target), emergency, call.Now)));
                if (admitted.BypassedLimit is { } bypassed)
                    events.Add(new(call.CallKey, LimitHitEvent(call.CallKey, bypassed, bypassed: true, statusCode: null, call.Now)));
                return new GuardAdmits(_maxDuration) { Events = events, FirstTarget = outcome.TargetIndex, Skipped = skipped };
            }
            default:
                throw new InvalidOperationException($"Unknown admission decision {outcome.Decision.GetType().Name}");
        }
    }

    public IReadOnlyList<StreamEvent> Answered(string callKey, ReadOnlyMemory<byte> answerBody, Instant now)
    {
        if (!_media.TryGetValue(callKey, out var media)) return [];
        lock (media)
        {
            // No SDP in the INVITE: the offer is in the 2xx and the answer in the ACK, which the guard does not
            // see; the reservation stays at the unknown-codec default.
            if (media.Offer.Length == 0 || answerBody.IsEmpty) return [];
            var settled = _estimator.Settle(media.Offer, answerBody.Span);
            return Settle(callKey, media, settled, BandwidthChanged.AnswerSettled, now);
        }
    }

    public IReadOnlyList<StreamEvent> Reinvited(string callKey, ReadOnlyMemory<byte> offer, ReadOnlyMemory<byte> answer, Instant now)
    {
        if (!_media.TryGetValue(callKey, out var media)) return [];
        // A re-INVITE without an offer (offer in the 2xx, answer in the ACK) changes nothing we can see.
        if (offer.IsEmpty || answer.IsEmpty) return [];
        lock (media)
        {
            var settled = _estimator.Settle(offer.Span, answer.Span);
            return Settle(callKey, media, settled, BandwidthChanged.Reinvite, now);
        }
    }

    /// <summary>
    /// Failover moves the call's count from the target that failed to the one tried next, checking only what the move
    /// adds (the next gateway's channels). A target at its limit is refused and skipped: the call stays counted where
    /// it was (the failed target) until the proxy moves on again or the call ends; an emergency call is moved past
    /// the limit and the bypass recorded.
    /// </summary>
    public GuardDecision Retarget(string callKey, int targetIndex, Instant now)
    {
        if (!_failover.TryGetValue(callKey, out var links) || targetIndex < 0 || targetIndex >= links.Length) return GuardAdmits.Plain;
        var registry = limits.Current();
        if (registry.Find(callKey) is not { } held) return GuardAdmits.Plain;
        var to = links[targetIndex];
        if (to == held.Target) return GuardAdmits.Plain;
        switch (registry.TryRetarget(callKey, to, now))
        {
            case Refused refused:
            {
                var hit = refused.Hit;
                return new GuardRefuses(refused.Answer.StatusCode, RefusalReason(hit), refused.Answer.RetryAfter?.ToTimeSpan())
                {
                    Q850Cause = refused.Answer.Q850Cause,
                    Events = [new(callKey, new FailoverTargetSkipped(callKey, targetIndex, hit.Scope.ToString(), LimitName(hit.Limit),
                        hit.LimitValue, hit.CurrentValue, now))],
                };
            }
            case Admitted admitted:
            {
                var events = new List<StreamEvent>(2)
                {
                    new(callKey, new CallRetargeted(callKey, targetIndex, LinkRef.From(held.Target), LinkRef.From(to),
                        CountOf(registry, held.Target), CountOf(registry, to), now)),
                };
                if (admitted.BypassedLimit is { } bypassed)
                    events.Add(new(callKey, LimitHitEvent(callKey, bypassed, bypassed: true, statusCode: null, now)));
                return new GuardAdmits { Events = events };
            }
            default:
                return GuardAdmits.Plain; // no longer open: ended meanwhile
        }
    }

    public IReadOnlyList<StreamEvent> Release(string callKey, Duration talk, Instant now)
    {
        // Idempotent on all: a second release finds nothing.
        limits.Registry.Release(callKey);
        _media.TryRemove(callKey, out _);
        _failover.TryRemove(callKey, out _);
        return [];
    }

    /// <summary>Calls counted on the link's own scope (PBX or gateway); null for a link without limits.</summary>
    private static int? CountOf(LiveUsageRegistry registry, CallLink link) =>
        link.PbxId is { } pbx ? registry.ActiveCallsOf(ScopeId.Pbx(pbx))
        : link.GatewayId is { } gateway ? registry.ActiveCallsOf(ScopeId.Gateway(gateway))
        : null;

    /// <summary>Every target's link in the order the proxy tries them (gateways; a PBX then its voicemail).</summary>
    internal static CallLink[] TargetLinks(RoutingResult route) => route switch
    {
        RoutedToGateways g => g.Targets.Select(t => CallLink.Gateway(t.GatewayId)).ToArray(),
        RoutedToPbx { VoicemailFallback: not null } p => [CallLink.Pbx(p.Pbx.PbxId, p.Pbx.TenantId), CallLink.Unlimited],
        _ => [],
    };

    private IReadOnlyList<StreamEvent> Settle(string callKey, CallMedia media, MediaBandwidth settled, string reason, Instant now)
    {
        var change = settled.ChangeFrom(media.Current);
        media.Current = settled;
        if (!limits.Registry.Settle(callKey, settled.TotalKbps).Found || change is null) return [];
        return [new(callKey, new BandwidthChanged(callKey, change.PreviousKbps, change.NewKbps, change.PreviousCodec, change.NewCodec, reason, now))];
    }

    /// <summary>The target links admission walks, in failover order: every gateway of an LCR route, a PBX then its
    /// voicemail (outside our links, so a PBX at its limit sends the call to voicemail), else the one target.</summary>
    internal static IReadOnlyList<CallLink> CandidateLinks(RoutingResult route) =>
        TargetLinks(route) is { Length: > 0 } links ? links : [Links(route).Target];

    /// <summary>The call's two links as limits count them. Voicemail and ENUM targets are outside our links.</summary>
    internal static (CallLink Source, CallLink Target) Links(RoutingResult route)
    {
        var source = route.Source switch
        {
            PbxSource p => CallLink.Pbx(p.Pbx.PbxId, p.Pbx.TenantId),
            GatewaySource g => CallLink.Gateway(g.Gateway.GatewayId),
            _ => CallLink.Unlimited,
        };
        var target = route switch
        {
            RoutedToPbx p => CallLink.Pbx(p.Pbx.PbxId, p.Pbx.TenantId),
            RoutedToGateways { Targets.Count: > 0 } g => CallLink.Gateway(g.Targets[0].GatewayId),
            _ => CallLink.Unlimited,
        };
        return (source, target);
    }

    /// <summary>The reason phrase and CallRejected reason: the limit, its value and the usage at that moment.</summary>
    internal static string RefusalReason(LimitHit hit) => "Limit reached: " + Describe(hit);

    /// <summary>The limit, its value and the usage, e.g. <c>gateway:gw-a (callee) channels limit 1, 1 channels in use, this call needs 1</c>.</summary>
    internal static string Describe(LimitHit hit)
    {
        var (what, unit) = hit.Limit switch
        {
            LimitKind.Calls => ("concurrent calls", "calls"),
            LimitKind.Bandwidth => ("bandwidth", "kbit/s"),
            LimitKind.CallsPerSecond => ("calls per second", "new calls in the last second"),
            _ => ("channels", "channels"),
        };
        var side = hit.Side == LinkSide.Source ? "caller" : "callee";
        return $"{hit.Scope} ({side}) {what} limit {hit.LimitValue}, {hit.CurrentValue} {unit} in use, this call needs {hit.Requested}";
    }

    private static CallLimitHit LimitHitEvent(string callKey, LimitHit hit, bool bypassed, int? statusCode, Instant now) =>
        new(callKey, hit.Scope.ToString(), hit.Side == LinkSide.Source ? "source" : "target", LimitName(hit.Limit),
            hit.LimitValue, hit.CurrentValue, hit.Requested, bypassed, statusCode, now);

    internal static string LimitName(LimitKind kind) => kind switch
    {
        LimitKind.Calls => "calls",
        LimitKind.Bandwidth => "kbps",
        LimitKind.CallsPerSecond => "calls-per-second",
        _ => "channels",
    };

    private static IReadOnlyList<string> Codecs(MediaBandwidth bandwidth) =>
        bandwidth.Streams.Where(s => s.Kbps > 0).Select(s => s.Codec ?? s.Media).ToArray();

    private static string Basis(BandwidthSource source) => source switch
    {
        BandwidthSource.NoSdp => "no-sdp",
        BandwidthSource.UnparsableSdp => "unparsable-sdp",
        BandwidthSource.Answer => "answer",
        _ => "offer",
    };

    /// <summary>The offer a call was admitted with and what it holds now; changed under its own lock.</summary>
    private sealed class CallMedia(byte[] offer, MediaBandwidth current)
    {
        public byte[] Offer { get; } = offer;
        public MediaBandwidth Current { get; set; } = current;
    }
}
