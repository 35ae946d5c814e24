using CallControl.Sip.Message;
using Microsoft.Extensions.Logging;

namespace CallControl.Sip.Proxy;

internal sealed partial class ProxyCore
{
    /// <summary>Next hop: the first Route after ours, else the Request-URI. A request whose Request-URI is this proxy
    /// (a UA that ignored Record-Route) is retargeted to the other party's Contact; anything else that would come
    /// straight back here is refused.</summary>
    private bool TryNextHop(SipMessage request, int popped, ProxiedDialog? dialog, DialogParty? party, out SipEndpoint destination, out string? retarget)
    {
        retarget = null;
        var routes = request.Routes;
        var uri = popped < routes.Count ? routes[popped].Uri : request.RequestUriParsed;
        if (popped >= routes.Count && IsUs(uri))
        {
            retarget = party switch
            {
                DialogParty.Caller => dialog?.CalleeTarget,
                DialogParty.Callee => dialog?.CallerTarget,
                _ => null,
            };
            uri = retarget is not null && SipUri.TryParse(retarget, out var target) ? target : null;
        }

        if (!TryResolve(uri, out destination) || IsUs(destination))
        {
            return false;
        }

        // A party that reached us over TCP gets its in-dialog requests over that same connection (it may not
        // accept connections, e.g. behind NAT), not over a new one to its Contact port.
        if (dialog is not null && party is { } sender && destination.Transport == SipTransport.Tcp)
        {
            var peer = sender == DialogParty.Caller ? dialog.Callee : dialog.CallerDestination;
            if (peer.Transport == SipTransport.Tcp && peer.Address.Equals(destination.Address))
            {
                destination = peer;
            }
        }

        return true;
    }

    private bool IsUs(SipEndpoint endpoint) =>
        endpoint.Address.Equals(ListenAddress) && (endpoint.Port == UdpPort || endpoint.Port == TcpPort || endpoint.Port == TlsPort);

    /// <summary>Copy of a request to forward (RFC 3261 §16.6): Request-URI, our Via on top (with received/rport
    /// added to the previous one), Max-Forwards decremented, our Route entries removed, Record-Route added.</summary>
    private byte[] BuildForwarded(SipMessage request, SipEndpoint source, int popped, string? requestUri, SipTransport outTransport,
        SipTransport? recordRouteInbound, IReadOnlyList<string>? extraHeaders, string branch) =>
        ForwardedBuilder(request, source, popped, requestUri, outTransport, recordRouteInbound, extraHeaders, branch, hideUpstream: false).ToArray();

    /// <param name="hideUpstream">Topology hiding toward the next hop: every Via, Route and Record-Route of the
    /// sender's side is removed (only ours stay), Contact becomes our own URI, identity headers are dropped.</param>
    private SipMessageBuilder ForwardedBuilder(SipMessage request, SipEndpoint source, int popped, string? requestUri, SipTransport outTransport,
        SipTransport? recordRouteInbound, IReadOnlyList<string>? extraHeaders, string branch, bool hideUpstream)
    {
        var builder = SipMessageBuilder.From(request);
        if (requestUri is not null)
        {
            builder.SetRequestUri(requestUri);
        }

        for (var i = 0; i < popped; i++)
        {
            builder.RemoveFirstValue(SipHeaderId.Route);
        }

        if (hideUpstream)
        {
            builder.RemoveAll(SipHeaderId.Via).RemoveAll(SipHeaderId.RecordRoute);
            foreach (var name in HiddenIdentityHeaders)
            {
                builder.RemoveAll(name);
            }

            if (request.HasHeader(SipHeaderId.Contact))
            {
                builder.Set(SipHeaderId.Contact, OwnContact(outTransport));
            }
        }
        else
        {
            var top = request.TopVia;
            var sourceHost = source.Address.ToString();
            var received = top.Host.Trim('[', ']') == sourceHost ? null : sourceHost;
            if (received is not null || top.HasRPort)
            {
                builder.ReplaceFirstValue(SipHeaderId.Via, top.WithReceived(received, top.HasRPort ? source.Port : null));
            }
        }

        builder.AddFirst(SipHeaderId.Via, OwnVia(outTransport, branch));
        builder.Set(SipHeaderId.MaxForwards, ((request.MaxForwards ?? 70) - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (recordRouteInbound is { } inbound)
        {
            var inboundLocal = LocalEndpoint(inbound);
            if (!hideUpstream && inboundLocal.Transport != LocalEndpoint(outTransport).Transport)
            {
                // Transport switch: one entry per side so each party routes back over its own transport (RFC 5658 style).
                // Hidden: the other entry is added to the responses toward the caller instead.
                builder.AddTop(SipHeaderId.RecordRoute, RecordRoute(inbound));
            }

            builder.AddTop(SipHeaderId.RecordRoute, RecordRoute(outTransport));
        }

        if (extraHeaders is not null)
        {
            foreach (var line in extraHeaders)
            {
                builder.AddRawLine(line);
            }
        }

        return builder;
    }

    /// <summary>Headers that name the sender's side (identities, or URIs and addresses of its hosts) and are dropped
    /// toward a topology-hidden peer, in requests and in responses.</summary>
    /// <remarks>The policy's <see cref="ForwardTarget.ExtraHeaders"/> (e.g. its own Diversion) are added after this.
    /// Warning carries the warn-agent's host (RFC 3261 §20.43); P-Charging-Vector its icid-generated-at address; Call-Info
    /// and Alert-Info URIs on the PBX.</remarks>
    private static readonly string[] HiddenIdentityHeaders =
        ["P-Asserted-Identity", "P-Preferred-Identity", "Remote-Party-ID", "Reply-To", "Diversion", "History-Info",
         "P-Charging-Vector", "Call-Info", "Alert-Info", "Warning"];

    private string OwnVia(SipTransport transport, string branch)
    {
        var local = LocalEndpoint(transport);
        return $"SIP/2.0/{TransportToken(local.Transport)} {HostText}:{local.Port};branch={branch};rport";
    }

    /// <summary>Contact toward a topology-hidden peer: this proxy. Requests to it are mapped back to the dialog by
    /// Call-ID and tags (the Request-URI naming us is retargeted to the other party's Contact).</summary>
    private string OwnContact(SipTransport transport)
    {
        var local = LocalEndpoint(transport);
        return $"<sip:cc@{HostText}:{local.Port};transport={TransportToken(local.Transport).ToLowerInvariant()}>";
    }

    private SipMessage ParseOwn(byte[] bytes)
    {
        var result = SipParser.Parse(bytes, false, _parserOptions, out var message);
        return result.Status == SipFrameStatus.Complete && message is not null
            ? message
            : throw new InvalidOperationException($"Built an unparsable message: {result.Error}.");
    }

    private async Task CallPolicyAsync(Func<ValueTask> call, string name)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Counters.Increment(SipCounter.PolicyErrors);
            _logger.LogError(ex, "Proxy policy {Method} failed", name);
        }
    }

    /// <summary>Asks the policy a question; when it throws, the error is counted and logged and <paramref name="fallback"/> is the answer.</summary>
    private async Task<T> CallPolicyAsync<T>(Func<ValueTask<T>> call, string name, T fallback)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Counters.Increment(SipCounter.PolicyErrors);
            _logger.LogError(ex, "Proxy policy {Method} failed", name);
            return fallback;
        }
    }

    /// <summary>The policy's maximum duration from the answer on; a policy error keeps the INVITE's limit.</summary>
    private TimeSpan? MaxDurationAfterAnswer(DialogKey key)
    {
        try
        {
            return _policy.MaxDurationAfterAnswer(key);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Counters.Increment(SipCounter.PolicyErrors);
            _logger.LogError(ex, "Proxy policy {Method} failed", nameof(IProxyPolicy.MaxDurationAfterAnswer));
            return null;
        }
    }
}
