using CallControl.Calls;
using CallControl.Host.EventStore;
using CallControl.Host.Routing;
using CallControl.Routing;
using CallControl.Sip.Proxy;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace CallControl.Host.Calls;

/// <summary>
/// Where the SIP stack meets the domain: routes each new INVITE with the live routing table, records
/// every step of the call as events through the group-commit writer, and only then lets the proxy go on
/// (write-ahead, DESIGN.md rule 2).
/// </summary>
public sealed class CallPolicy(
    LiveRoutingTable routing, GroupCommitWriter writer, ActiveCalls calls, IClock clock, ILogger<CallPolicy> logger) : IProxyPolicy
{
    public static readonly TimeSpan StoreDownRetryAfter = TimeSpan.FromSeconds(30);

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
                    calls.Open(new OpenCall(key, pbxId, pbx.PbxId, now));
                    try
                    {
                        await writer.AppendAsync(key, AppendKind.NewCall, received,
                            new CallRouted(key, routed.Destination, "pbx", pbx.PbxId, pbx.TenantId, target.RequestUri,
                                target.Destination.ToString(), routed.Reason, routed.Candidates, now));
                    }
                    catch
                    {
                        calls.Close(key);
                        throw;
                    }
                    return new ForwardInvite([target]);
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
        await writer.AppendAsync(streamKey, AppendKind.InProgress, new CallAnswered(streamKey, targetIndex, now));
    }

    public async ValueTask OnFailedAsync(DialogKey key, int statusCode, string reason, DialogParty endedBy)
    {
        var streamKey = CallStreams.Key(key.CallId, key.FromTag);
        if (calls.Close(streamKey) is null)
        {
            logger.LogWarning("Failure reported for call {CallKey} that is not open; ignored", streamKey);
            return;
        }
        await writer.AppendAsync(streamKey, AppendKind.InProgress,
            new CallFailed(streamKey, statusCode, reason, PartyName(endedBy), clock.GetCurrentInstant()));
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
        var duration = call.AnsweredAt is { } answered ? now - answered : Duration.Zero;
        await writer.AppendAsync(streamKey, AppendKind.InProgress, new CallEnded(streamKey, PartyName(endedBy), reason, duration, now));
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
