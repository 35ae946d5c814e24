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
    LiveRoutingTable routing, GroupCommitWriter writer, ActiveCalls calls, IEnumerable<ICallGuard> guards,
    IClock clock, ILogger<CallPolicy> logger) : IProxyPolicy
{
    public static readonly TimeSpan StoreDownRetryAfter = TimeSpan.FromSeconds(30);
    private readonly ICallGuard[] _guards = guards.ToArray();

    public async ValueTask<RouteDecision> RouteAsync(InviteRequest invite, CancellationToken ct)
    {
        var now = clock.GetCurrentInstant();
        var key = CallStreams.Key(invite.Key.CallId, invite.Key.FromTag);
        var result = Router.Route(routing.Current, new CallAttempt(invite.Source.Address, invite.RequestUriUser, invite.FromUser));
        var (pbxId, gatewayId, tenantId) = result.Source switch
        {
            PbxSource p => (p.Pbx.PbxId, (string?)null, p.Pbx.TenantId),
            GatewaySource g => (null, g.Gateway.GatewayId, (string?)null),
            _ => ((string?)null, (string?)null, (string?)null),
        };
        var received = new CallReceived(key, invite.Key.CallId, invite.Key.FromTag, invite.Source.ToString(),
            pbxId, gatewayId, tenantId, invite.FromUser, invite.RequestUriUser, invite.RequestUri, now);

        try
        {
            switch (result)
            {
                case RoutedToPbx routed:
                {
                    var pbx = routed.Pbx;
                    var target = new ForwardTarget($"sip:{routed.Destination}@{FormatHost(pbx.Address)}:{pbx.Port}",
                        new SipEndpoint(pbx.Address, pbx.Port, ParseTransport(pbx.Transport)));
                    var routedEvent = new CallRouted(key, routed.Destination, "pbx", pbx.PbxId, pbx.TenantId, target.RequestUri,
                        target.Destination.ToString(), routed.Reason, routed.Candidates, now);
                    return await AdmitAndForwardAsync(new NewCall(key, invite, routed, IsEmergency: false, now),
                        new OpenCall(key, pbxId, pbx.PbxId, now), [received, routedEvent], [target]);
                }
                case CallRefused refused:
                    await writer.AppendAsync(key, AppendKind.NewCall, received,
                        new CallRejected(key, refused.StatusCode, refused.Reason, refused.Candidates, now));
                    return new RejectInvite(refused.StatusCode, refused.Reason);
                default:
                    throw new InvalidOperationException($"Unknown routing result {result.GetType().Name}");
            }
        }
        catch (EventStoreUnavailableException)
        {
            // Fail closed: a call whose routing cannot be recorded is not placed (DESIGN.md rule 6).
            return new RejectInvite(503, "Event store unavailable", StoreDownRetryAfter);
        }
    }

    /// <summary>Runs the guards in order; a refusal releases what the guards before it reserved. Then the
    /// call's events and the guards' events are committed together, and only then is the call forwarded.</summary>
    private async Task<RouteDecision> AdmitAndForwardAsync(NewCall call, OpenCall open, object[] callEvents, IReadOnlyList<ForwardTarget> targets)
    {
        var extra = new List<StreamEvent>();
        Duration? maxDuration = null;
        for (var i = 0; i < _guards.Length; i++)
        {
            var decision = _guards[i].Admit(call);
            extra.AddRange(decision.Events);
            if (decision is GuardRefuses refused)
            {
                for (var j = i - 1; j >= 0; j--) extra.AddRange(_guards[j].Release(call.CallKey, Duration.Zero, call.Now));
                var rejected = new CallRejected(call.CallKey, refused.StatusCode, refused.Reason,
                    call.Route.Candidates, call.Now);
                await AppendAllAsync(call.CallKey, AppendKind.NewCall, [callEvents[0], rejected], extra);
                return new RejectInvite(refused.StatusCode, refused.Reason, refused.RetryAfter);
            }
            if (decision is GuardAdmits { MaxDuration: { } limit } && (maxDuration is null || limit < maxDuration)) maxDuration = limit;
        }

        calls.Open(open with { MaxDuration = maxDuration });
        try
        {
            await AppendAllAsync(call.CallKey, AppendKind.NewCall, callEvents, extra);
        }
        catch
        {
            calls.Close(call.CallKey);
            foreach (var guard in _guards) guard.Release(call.CallKey, Duration.Zero, call.Now);
            throw;
        }
        return new ForwardInvite(targets) { MaxDuration = maxDuration?.ToTimeSpan() };
    }

    public async ValueTask OnAttemptFailedAsync(DialogKey key, int targetIndex, int statusCode, string reason)
    {
        var streamKey = CallStreams.Key(key.CallId, key.FromTag);
        await writer.AppendAsync(streamKey, AppendKind.InProgress,
            new CallAttemptFailed(streamKey, targetIndex, statusCode, reason, clock.GetCurrentInstant()));
    }

    public async ValueTask OnAnsweredAsync(DialogKey key, int targetIndex, ReadOnlyMemory<byte> answerBody)
    {
        var streamKey = CallStreams.Key(key.CallId, key.FromTag);
        var now = clock.GetCurrentInstant();
        calls.Answer(streamKey, now);
        var extra = new List<StreamEvent>();
        foreach (var guard in _guards) extra.AddRange(guard.Answered(streamKey, answerBody, now));
        await AppendAllAsync(streamKey, AppendKind.InProgress, [new CallAnswered(streamKey, targetIndex, now)], extra);
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
