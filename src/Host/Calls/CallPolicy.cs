using System.Collections.Concurrent;
using CallControl.Calls;
using CallControl.Host.EventStore;
using CallControl.Host.Routing;
using CallControl.Routing;
using CallControl.Sip.Proxy;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace CallControl.Host.Calls;

/// <summary>
/// Where the SIP stack meets the domain: routes each new INVITE with the live routing table, lets
/// the call guards (limits, credit) admit it, records every step of the call as events through the
/// group-commit writer, and only then lets the proxy go on (write-ahead, DESIGN.md rule 2).
/// </summary>
public sealed class CallPolicy(
    LiveRoutingTable routing, NetworkHealthService health, IEnumResolver enumResolver, GroupCommitWriter writer, ActiveCalls calls,
    IEnumerable<ICallGuard> guards, IClock clock, ILogger<CallPolicy> logger) : IProxyPolicy
{
    public static readonly TimeSpan StoreDownRetryAfter = TimeSpan.FromSeconds(30);
    private readonly ICallGuard[] _guards = guards.ToArray();
    /// <summary>The targets of each call in progress, in failover order, so a failed attempt can name its target.</summary>
    private readonly ConcurrentDictionary<string, RoutedTarget[]> _targets = new();

    public async ValueTask<RouteDecision> RouteAsync(InviteRequest invite, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var key = CallStreams.Key(invite.Key.CallId, invite.Key.FromTag);
        var (result, enumTarget) = await DecideAsync(invite, now, ct);
        var (pbxId, gatewayId, tenantId) = result.Source switch
        {
            PbxSource p => (p.Pbx.PbxId, (string?)null, p.Pbx.TenantId),
            GatewaySource g => (null, g.Gateway.GatewayId, (string?)null),
            _ => ((string?)null, (string?)null, (string?)null),
        };
        var received = new CallReceived(key, invite.Key.CallId, invite.Key.FromTag, invite.Source.ToString(),
            pbxId, gatewayId, tenantId, invite.FromUser, CardDialString.Mask(invite.RequestUriUser),
            CardDialString.MaskUri(invite.RequestUri, invite.RequestUriUser), now); // a calling-card PIN is never recorded

        try
        {
            if (result is CallRefused refused)
            {
                await writer.AppendAsync(key, AppendKind.NewCall, received,
                    new CallRejected(key, refused.StatusCode, refused.Reason, refused.Candidates, now));
                return new RejectInvite(refused.StatusCode, refused.Reason);
            }

            var plan = Plan(result, enumTarget);
            _targets[key] = plan.Targets.Select(t => t.Routed).ToArray();
            return await AdmitAndForwardAsync(new NewCall(key, invite, result, result.IsEmergency, now), pbxId, received, plan);
        }
        catch (EventStoreUnavailableException)
        {
            _targets.TryRemove(key, out _);
            // Fail closed: a call whose routing cannot be recorded is not placed (DESIGN.md rule 6).
            return new RejectInvite(503, "Event store unavailable", StoreDownRetryAfter);
        }
    }

    /// <summary>Routes with the live tables and network health; does the ENUM step (NAPTR, then the target's
    /// address) when the router asks for it. A failed ENUM step routes on as "not found" (LCR), with the reason.</summary>
    private async Task<(RoutingResult Result, SipEndpoint? EnumTarget)> DecideAsync(InviteRequest invite, Instant now, CancellationToken ct)
    {
        var snapshot = routing.Current;
        var network = health.Current;
        var attempt = new CallAttempt(invite.Source.Address, invite.RequestUriUser, invite.FromUser) { SelectionSeed = Seed(invite.Key.CallId) };
        var result = Router.Route(snapshot, attempt, network, now);
        if (result is not EnumLookupRequired lookup) return (result, null);

        var answer = await enumResolver.LookupAsync(lookup.Destination, lookup.QueryName, ct);
        result = Router.Route(snapshot, attempt with { Enum = answer }, network, now);
        if (result is not RoutedToEnum toEnum) return (result, null);

        var (endpoint, detail) = await ResolveAsync(toEnum.TargetUri, ct);
        if (endpoint is not null) return (result, endpoint);
        logger.LogWarning("ENUM target {Uri} of {Number} is not reachable: {Detail}", toEnum.TargetUri, toEnum.Destination, detail);
        var failed = EnumAnswer.NotFound(toEnum.Destination, $"NAPTR gave {toEnum.TargetUri}, but {detail}");
        return (Router.Route(snapshot, attempt with { Enum = failed }, network, now), null);
    }

    /// <summary>An IP literal is used as it is; a name gets an A lookup (no RFC 3263 NAPTR/SRV for the target domain).</summary>
    private async Task<(SipEndpoint? Endpoint, string Detail)> ResolveAsync(string uri, CancellationToken ct)
    {
        if (!EnumTarget.TryParse(uri, out var target)) return (null, $"'{(uri.Length > 60 ? uri[..60] + "..." : uri)}' is not a SIP URI this controller can send to");
        if (System.Net.IPAddress.TryParse(target.Host, out var literal))
            return (new SipEndpoint(literal, target.Port, ParseTransport(target.Transport)), "IP literal");
        var (address, detail) = await enumResolver.ResolveHostAsync(target.Host, ct);
        return address is null ? (null, detail) : (new SipEndpoint(address, target.Port, ParseTransport(target.Transport)), detail);
    }

    internal sealed record PlannedTarget(ForwardTarget Forward, RoutedTarget Routed);

    /// <summary>What a routed call is sent to: every target in order, and how the CallRouted event names it.</summary>
    private sealed record ForwardPlan(string Destination, string Kind, string Id, string? TenantId, string? TargetPbxId, string Reason,
        IReadOnlyList<PlannedTarget> Targets);

    private static ForwardPlan Plan(RoutingResult result, SipEndpoint? enumEndpoint)
    {
        IReadOnlyList<string>? extra = result.Diversion is { } diversion ? [$"Diversion: {diversion}"] : null;
        switch (result)
        {
            case RoutedToPbx r:
            {
                var pbx = r.Pbx;
                var forward = new ForwardTarget($"sip:{r.Destination}@{FormatHost(pbx.Address)}:{pbx.Port}",
                    new SipEndpoint(pbx.Address, pbx.Port, ParseTransport(pbx.Transport)), ExtraHeaders: extra) { HideTopology = result.HideTopology };
                var planned = new List<PlannedTarget> { new(forward, new RoutedTarget("pbx", pbx.PbxId, forward.RequestUri, forward.Destination.ToString())) };
                if (r.VoicemailFallback is { } vm)
                {
                    // Unreachable on this call (no answer to the INVITE, 5xx): the proxy fails over to voicemail.
                    var fallback = new ForwardTarget(vm.Uri, new SipEndpoint(vm.Address, vm.Port, ParseTransport(vm.Transport)),
                        ExtraHeaders: [$"Diversion: {r.FallbackDiversion}"]) { HideTopology = result.HideTopology };
                    planned.Add(new PlannedTarget(fallback, new RoutedTarget("voicemail", pbx.PbxId, fallback.RequestUri, fallback.Destination.ToString())));
                }
                return new ForwardPlan(r.Destination, "pbx", pbx.PbxId, pbx.TenantId, pbx.PbxId, r.Reason, planned);
            }
            case RoutedToVoicemail v:
            {
                var vm = v.Voicemail;
                var forward = new ForwardTarget(vm.Uri, new SipEndpoint(vm.Address, vm.Port, ParseTransport(vm.Transport)), ExtraHeaders: extra)
                    { HideTopology = result.HideTopology };
                return new ForwardPlan(v.Destination, "voicemail", v.Pbx.PbxId, v.Pbx.TenantId, null, v.Reason,
                    [new PlannedTarget(forward, new RoutedTarget("voicemail", v.Pbx.PbxId, forward.RequestUri, forward.Destination.ToString()))]);
            }
            case RoutedToGateways g:
            {
                var targets = g.Targets.Select(t =>
                {
                    var forward = new ForwardTarget(t.RequestUri, new SipEndpoint(t.Address, t.Port, ParseTransport(t.Transport)),
                        t.RingTimeout.ToTimeSpan(), extra)
                    {
                        Credentials = t.Credentials is { } c ? new DigestCredentials(c.Username, c.Password, c.Realm) : null,
                        PresentedCaller = result.CallerId,
                        HideTopology = result.HideTopology,
                    };
                    return new PlannedTarget(forward, new RoutedTarget("gateway", t.GatewayId, forward.RequestUri, forward.Destination.ToString()));
                }).ToList();
                return new ForwardPlan(g.Destination, "gateway", g.Targets[0].GatewayId, null, null, g.Reason, targets);
            }
            case RoutedToEnum e when enumEndpoint is { } endpoint:
            {
                var forward = new ForwardTarget(e.TargetUri, endpoint, ExtraHeaders: extra)
                {
                    PresentedCaller = result.CallerId,
                    HideTopology = result.HideTopology,
                };
                return new ForwardPlan(e.Destination, "enum", e.TargetUri, null, null, e.Reason,
                    [new PlannedTarget(forward, new RoutedTarget("enum", e.TargetUri, forward.RequestUri, forward.Destination.ToString()))]);
            }
            default:
                throw new InvalidOperationException($"Routing result {result.GetType().Name} cannot be forwarded");
        }
    }

    /// <summary>FNV-1a of the Call-ID: weighted carrier selection is stable for a call, also when replayed.</summary>
    internal static ulong Seed(string callId)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in callId) hash = (hash ^ c) * 1099511628211UL;
        return hash;
    }

    /// <summary>Runs the guards in order; a refusal releases what the guards before it reserved. A guard may pass over
    /// targets (a gateway without a free channel) and start the call at a later one: <see cref="CallRouted"/> then names
    /// that target, marks the others as skipped candidates with the guard's reason, and the proxy starts its failover
    /// there. Then the call's events and the guards' events are committed together, and only then is the call forwarded.</summary>
    private async Task<RouteDecision> AdmitAndForwardAsync(NewCall call, string? sourcePbxId, CallReceived received, ForwardPlan plan)
    {
        var extra = new List<StreamEvent>();
        var skipped = new List<SkippedCandidate>();
        Duration? maxDuration = null;
        var first = 0;
        for (var i = 0; i < _guards.Length; i++)
        {
            var decision = _guards[i].Admit(call);
            extra.AddRange(decision.Events);
            skipped.AddRange(decision.Skipped);
            if (decision is GuardRefuses refused)
            {
                for (var j = i - 1; j >= 0; j--) extra.AddRange(_guards[j].Release(call.CallKey, Duration.Zero, call.Now));
                var rejected = new CallRejected(call.CallKey, refused.StatusCode, refused.Reason,
                    MarkSkipped(call.Route.Candidates, plan.Targets, skipped, first: -1), call.Now);
                await AppendAllAsync(call.CallKey, AppendKind.NewCall, [received, rejected], extra);
                return new RejectInvite(refused.StatusCode, refused.Reason, refused.RetryAfter) { Reason = Q850Reason(refused) };
            }
            if (decision is GuardAdmits admits)
            {
                if (admits.MaxDuration is { } limit && (maxDuration is null || limit < maxDuration)) maxDuration = limit;
                if (admits.FirstTarget > first && admits.FirstTarget < plan.Targets.Count) first = admits.FirstTarget;
            }
        }

        var start = plan.Targets[first];
        var forwards = plan.Targets.Select(t => t.Forward).ToList();
        var reason = plan.Reason;
        if (first > 0)
        {
            if (start.Routed.Kind == "voicemail" && call.Route is RoutedToPbx { BusyDiversion: { } busy })
                forwards[first] = start.Forward with { ExtraHeaders = [$"Diversion: {busy}"] }; // the PBX has no room: busy, not unavailable
            reason = $"{reason}; started at target {first + 1} ({start.Routed.Kind}:{start.Routed.Id}): "
                + string.Join("; ", skipped.Where(k => k.TargetIndex < first).Select(k =>
                    $"{plan.Targets[k.TargetIndex].Routed.Kind}:{plan.Targets[k.TargetIndex].Routed.Id} skipped, {k.Reason}"));
        }
        var n = call.Route.Normalization;
        var routed = new CallRouted(call.CallKey, plan.Destination, start.Routed.Kind, start.Routed.Id, plan.TenantId, start.Routed.RequestUri,
            start.Routed.NextHop, reason, MarkSkipped(call.Route.Candidates, plan.Targets, skipped, first), call.Now,
            NormalizedNumber: n?.Number, NormalizationRule: n?.RuleId, Normalization: n?.Reason,
            Targets: plan.Targets.Select(t => t.Routed).ToList(), IsEmergency: call.Route.IsEmergency, Diversion: call.Route.Diversion);

        calls.Open(new OpenCall(call.CallKey, sourcePbxId, start.Routed.Kind == "pbx" ? plan.TargetPbxId : null, call.Now) { MaxDuration = maxDuration });
        try
        {
            await AppendAllAsync(call.CallKey, AppendKind.NewCall, [received, routed], extra);
        }
        catch
        {
            calls.Close(call.CallKey);
            foreach (var guard in _guards) guard.Release(call.CallKey, Duration.Zero, call.Now);
            throw;
        }
        return new ForwardInvite(forwards) { MaxDuration = maxDuration?.ToTimeSpan(), FirstTarget = first };
    }

    /// <summary>The router's candidates with the targets a guard passed over marked "skipped" and its reason added (the
    /// routing record names every candidate skipped and why: filtered, probe down, limit); the target the call starts at
    /// (<paramref name="first"/>, -1 when refused) becomes "chosen" if the router had it as a fallback.</summary>
    internal static IReadOnlyList<RouteCandidate> MarkSkipped(IReadOnlyList<RouteCandidate> candidates, IReadOnlyList<PlannedTarget> targets,
        IReadOnlyList<SkippedCandidate> skipped, int first)
    {
        if (skipped.Count == 0) return candidates;
        var marked = candidates.ToList();
        int Find(RoutedTarget t) => marked.FindIndex(c => c.Kind == t.Kind && c.Id == t.Id && c.Outcome is "chosen" or "fallback");
        foreach (var skip in skipped)
        {
            if (skip.TargetIndex < 0 || skip.TargetIndex >= targets.Count) continue;
            var target = targets[skip.TargetIndex].Routed;
            var at = Find(target);
            if (at >= 0) marked[at] = marked[at] with { Outcome = "skipped", Reason = $"{marked[at].Reason}; {skip.Reason}" };
            else marked.Add(new RouteCandidate(target.Kind, target.Id, "skipped", skip.Reason));
        }
        if (first > 0 && Find(targets[first].Routed) is var started and >= 0 && marked[started].Outcome == "fallback")
            marked[started] = marked[started] with { Outcome = "chosen", Reason = $"{marked[started].Reason}; taken at once: the targets before it are at a limit" };
        return marked;
    }

    public async ValueTask OnAttemptFailedAsync(DialogKey key, int targetIndex, int statusCode, string reason)
    {
        var streamKey = CallStreams.Key(key.CallId, key.FromTag);
        var target = _targets.TryGetValue(streamKey, out var targets) && targetIndex >= 0 && targetIndex < targets.Length ? targets[targetIndex] : null;
        await writer.AppendAsync(streamKey, AppendKind.InProgress,
            new CallAttemptFailed(streamKey, targetIndex, statusCode, reason, clock.GetCurrentInstant(), target?.Kind, target?.Id));
    }

    /// <summary>Failover to the next target: the guards move what they count (a gateway's channel) or refuse, and the
    /// target is skipped. What they record is committed before the proxy sends the INVITE on (write-ahead).</summary>
    public async ValueTask<bool> OnFailoverAsync(DialogKey key, int targetIndex)
    {
        var streamKey = CallStreams.Key(key.CallId, key.FromTag);
        var now = clock.GetCurrentInstant();
        var extra = new List<StreamEvent>();
        var tryIt = true;
        foreach (var guard in _guards)
        {
            var decision = guard.Retarget(streamKey, targetIndex, now);
            extra.AddRange(decision.Events);
            if (decision is GuardRefuses refused)
            {
                logger.LogInformation("Failover target {Index} of {CallKey} skipped: {Reason}", targetIndex, streamKey, refused.Reason);
                tryIt = false;
                break;
            }
        }
        if (extra.Count > 0) await AppendAllAsync(streamKey, AppendKind.InProgress, [], extra);
        return tryIt;
    }

    /// <summary>RFC 3326 Reason header of a guard's refusal: <c>Q.850;cause=N;text="..."</c>.</summary>
    internal static string? Q850Reason(GuardRefuses refused)
    {
        if (refused.Q850Cause is not { } cause) return null;
        var text = new System.Text.StringBuilder(refused.Reason.Length);
        foreach (var c in refused.Reason.Length > 200 ? refused.Reason[..200] : refused.Reason)
        {
            if (c is < ' ' or > '~') continue; // one printable ASCII line
            if (c is '"' or '\\') text.Append('\\');
            text.Append(c);
        }
        return $"Q.850;cause={cause.ToString(System.Globalization.CultureInfo.InvariantCulture)};text=\"{text}\"";
    }

    public async ValueTask OnAnsweredAsync(DialogKey key, int targetIndex, ReadOnlyMemory<byte> answerBody, DialogState dialog)
    {
        var streamKey = CallStreams.Key(key.CallId, key.FromTag);
        var now = clock.GetCurrentInstant();
        calls.Answer(streamKey, now);
        var extra = new List<StreamEvent>();
        Duration? afterAnswer = null;
        foreach (var guard in _guards)
        {
            extra.AddRange(guard.Answered(streamKey, answerBody, now));
            if (guard.MaxDurationAfterAnswer(streamKey) is { } limit && (afterAnswer is null || limit < afterAnswer)) afterAnswer = limit;
        }
        if (afterAnswer is { } max) calls.Limit(streamKey, max);
        await AppendAllAsync(streamKey, AppendKind.InProgress, [new CallAnswered(streamKey, targetIndex, now, dialog.CalleeCallId, DialogRecords.ToEvent(dialog))], extra);
    }

    /// <summary>The call's limit from its answer on (the guards' grants priced at the answer): the proxy cuts it off then.</summary>
    public TimeSpan? MaxDurationAfterAnswer(DialogKey key) =>
        calls.Find(CallStreams.Key(key.CallId, key.FromTag))?.MaxDuration?.ToTimeSpan();

    /// <summary>A call taken back after a restart: each guard holds what it held before; the shortest grant is the call's.</summary>
    internal Duration? Recover(RecoveredCall call)
    {
        Duration? max = null;
        foreach (var guard in _guards)
            if (guard.Recover(call) is { } limit && (max is null || limit < max)) max = limit;
        return max;
    }

    public async ValueTask OnReinviteAsync(DialogKey key, DialogParty sentBy, ReadOnlyMemory<byte> offerBody, ReadOnlyMemory<byte> answerBody)
    {
        var streamKey = CallStreams.Key(key.CallId, key.FromTag);
        var now = clock.GetCurrentInstant();
        var extra = new List<StreamEvent>();
        foreach (var guard in _guards) extra.AddRange(guard.Reinvited(streamKey, offerBody, answerBody, now));
        if (extra.Count > 0) await AppendAllAsync(streamKey, AppendKind.InProgress, [], extra);
    }

    public async ValueTask OnFailedAsync(DialogKey key, int statusCode, string reason, DialogParty endedBy)
    {
        var streamKey = CallStreams.Key(key.CallId, key.FromTag);
        _targets.TryRemove(streamKey, out _);
        // Also reported after a RejectInvite: such a call was never opened and is already recorded.
        if (calls.Close(streamKey) is null) return;
        var now = clock.GetCurrentInstant();
        var extra = new List<StreamEvent>();
        foreach (var guard in _guards) extra.AddRange(guard.Release(streamKey, Duration.Zero, now));
        await AppendAllAsync(streamKey, AppendKind.InProgress, [new CallFailed(streamKey, statusCode, reason, PartyName(endedBy), now)], extra);
    }

    public async ValueTask OnEndedAsync(DialogKey key, DialogParty endedBy, string reason)
    {
        var streamKey = CallStreams.Key(key.CallId, key.FromTag);
        var now = clock.GetCurrentInstant();
        _targets.TryRemove(streamKey, out _);
        if (calls.Close(streamKey) is not { } call)
        {
            logger.LogWarning("End reported for call {CallKey} that is not open; ignored", streamKey);
            return;
        }
        var talk = call.AnsweredAt is { } answered ? now - answered : Duration.Zero;
        var extra = new List<StreamEvent>();
        foreach (var guard in _guards) extra.AddRange(guard.Release(streamKey, talk, now));
        await AppendAllAsync(streamKey, AppendKind.InProgress, [new CallEnded(streamKey, PartyName(endedBy), reason, talk, now)], extra);
    }

    /// <summary>A dialog taken back after a restart whose party was found gone before it showed life since: its end
    /// may have been during the outage, so it is ended as one whose end was not seen (talk taken as its grant, see
    /// <see cref="EndAsync"/>), not charged up to the moment the pings noticed.</summary>
    public ValueTask OnRestoredDialogLostAsync(DialogKey key, string reason) =>
        new(EndAsync(CallStreams.Key(key.CallId, key.FromTag), "system", reason, endSeen: false));

    /// <summary>A BYE for a dialog the proxy has no state for (it was set up before a restart): the call is
    /// found among the recovered open calls by Call-ID and either tag, and ended like any other.</summary>
    public async ValueTask OnUnknownDialogEndedAsync(string callId, string fromTag, string? toTag)
    {
        foreach (var tag in toTag is null ? [fromTag] : new[] { fromTag, toTag })
        {
            var streamKey = CallStreams.Key(callId, tag);
            if (calls.Find(streamKey) is null) continue;
            await EndAsync(streamKey, "unknown", "BYE for a dialog set up before the controller restarted");
            return;
        }
        logger.LogInformation("BYE for unknown dialog {CallId} matches no open call", callId);
    }

    /// <summary>Ends an open call: releases what the guards hold and records <see cref="CallEnded"/>.
    /// A call that is not open (already ended) is left alone, so a duplicate end records nothing.
    /// <paramref name="endSeen"/> false: nobody saw the call end (a call taken back after a restart reached the maximum
    /// call duration). Its talk time is then unknown; it is taken to be the call's grant (what its credit hold paid for),
    /// or zero when it had none, and the reason says so.</summary>
    internal async Task EndAsync(string streamKey, string endedBy, string reason, bool endSeen = true)
    {
        var now = clock.GetCurrentInstant();
        _targets.TryRemove(streamKey, out _);
        if (calls.Close(streamKey) is not { } call) return;
        var extra = new List<StreamEvent>();
        if (call.AnsweredAt is { } answered)
        {
            var talk = now - answered;
            if (!endSeen)
            {
                var assumed = call.MaxDuration ?? Duration.Zero;
                reason = call.MaxDuration is { } g
                    ? $"{reason}; end never seen: talk taken as its grant of {g.TotalSeconds:0.###}s"
                    : $"{reason}; end never seen and no grant: talk unknown, not charged";
                talk = assumed;
            }
            foreach (var guard in _guards) extra.AddRange(guard.Release(streamKey, talk, now));
            await AppendAllAsync(streamKey, AppendKind.InProgress, [new CallEnded(streamKey, endedBy, reason, talk, now)], extra);
        }
        else
        {
            foreach (var guard in _guards) extra.AddRange(guard.Release(streamKey, Duration.Zero, now));
            await AppendAllAsync(streamKey, AppendKind.InProgress, [new CallFailed(streamKey, 500, reason, endedBy, now)], extra);
        }
    }

    /// <summary>Appends the call's events and the guards' events; all go into the same group commit.</summary>
    private Task AppendAllAsync(string callKey, AppendKind kind, object[] callEvents, List<StreamEvent> extra)
    {
        var onCall = extra.Where(e => e.StreamKey == callKey).Select(e => e.Event);
        var all = callEvents.Concat(onCall).ToArray();
        var appends = new List<Task>(1 + extra.Count);
        if (all.Length > 0) appends.Add(writer.AppendAsync(callKey, kind, all));
        foreach (var group in extra.Where(e => e.StreamKey != callKey).GroupBy(e => e.StreamKey))
            appends.Add(writer.AppendAsync(group.Key, kind, group.Select(e => e.Event).ToArray()));
        return appends.Count == 1 ? appends[0] : Task.WhenAll(appends);
    }

    private static string PartyName(DialogParty party) => party switch
    {
        DialogParty.Caller => "caller",
        DialogParty.Callee => "callee",
        _ => "system",
    };

    internal static SipTransport ParseTransport(string transport) => transport switch
    {
        "tcp" => SipTransport.Tcp,
        "tls" => SipTransport.Tls,
        _ => SipTransport.Udp,
    };

    private static string FormatHost(System.Net.IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
}
