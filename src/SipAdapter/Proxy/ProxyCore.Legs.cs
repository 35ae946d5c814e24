using System.Text;
using CallControl.Sip.Message;
using CallControl.Sip.Transactions;
using Microsoft.Extensions.Logging;

namespace CallControl.Sip.Proxy;

/// <summary>The two legs of a dialog may differ (caller-ID policy, topology hiding, digest retry): building the
/// callee's INVITE and translating in-dialog requests and responses between the legs.</summary>
internal sealed partial class ProxyCore
{
    private const string PAssertedIdentity = "P-Asserted-Identity";

    /// <summary>The INVITE for <paramref name="target"/>, and how its leg differs from the caller's.</summary>
    private byte[] BuildTargetInvite(CallContext context, ProxiedInvite invite, ForwardTarget target, string branch, out CalleeLeg leg)
    {
        var request = invite.Request;
        var hide = target.HideTopology;
        var builder = ForwardedBuilder(request, invite.Source, hide ? request.Routes.Count : PoppedRoutes(request), target.RequestUri,
            target.Destination.Transport, invite.Source.Transport, target.ExtraHeaders, branch, hide);

        var callerFrom = request.GetFirst(SipHeaderId.From)!;
        var callerTo = request.GetFirst(SipHeaderId.To)!;
        var legFrom = callerFrom;
        var legTo = callerTo;
        if (target.PresentedCaller is not null || hide)
        {
            var from = request.From;
            var uri = RewriteUri(from.UriText, target.PresentedCaller, hide ? HostText : null);
            legFrom = NameAddress(target.PresentedCaller is null ? from.DisplayName : null, uri, from.Parameters);
        }

        if (hide)
        {
            // The caller's To may name internal hosts; the carrier knows the number it is asked for.
            legTo = NameAddress(null, target.RequestUri, request.To.Parameters);
        }

        if (target.PresentedCaller is { } number)
        {
            builder.RemoveAll(PAssertedIdentity).Add(PAssertedIdentity, $"<sip:{number}@{HostText}>");
        }

        if (!string.Equals(legFrom, callerFrom, StringComparison.Ordinal))
        {
            builder.Set(SipHeaderId.From, legFrom);
        }

        if (!string.Equals(legTo, callerTo, StringComparison.Ordinal))
        {
            builder.Set(SipHeaderId.To, legTo);
        }

        var callerSideRecordRoutes = new List<string>();
        string? calleeCallId = null;
        if (hide)
        {
            // PBXs put their address in the Call-ID (sipp: 1-123@127.0.0.11): the carrier gets an alias instead.
            calleeCallId = CalleeCallIdOf(context);
            builder.Set(SipHeaderId.CallId, calleeCallId);

            if (LocalEndpoint(invite.Source.Transport).Transport != LocalEndpoint(target.Destination.Transport).Transport)
            {
                callerSideRecordRoutes.Add(RecordRoute(invite.Source.Transport));
            }

            callerSideRecordRoutes.AddRange(request.GetValues(SipHeaderId.RecordRoute));
        }

        leg = new CalleeLeg(legFrom, legTo, 0, hide)
        {
            RewritesHeaders = !string.Equals(legFrom, callerFrom, StringComparison.Ordinal) || !string.Equals(legTo, callerTo, StringComparison.Ordinal),
            CallerSideRecordRoutes = callerSideRecordRoutes,
            CallId = calleeCallId,
        };
        return builder.ToArray();
    }

    /// <summary>A response of the callee's leg as the caller's leg must see it (or the reverse when
    /// <paramref name="towardCaller"/> is false): our Via removed (hidden: the caller's Via stack restored), From,
    /// To and CSeq of the upstream request, Contact replaced toward a hidden callee, caller-side Record-Route added back.</summary>
    private byte[] UpstreamResponse(SipMessage response, SipMessage upstreamRequest, CalleeLeg? leg, bool towardCaller)
    {
        var b = SipMessageBuilder.From(response);
        RestoreCallId(b, response, upstreamRequest);
        if (leg is null || !leg.Translates)
        {
            return b.RemoveFirstValue(SipHeaderId.Via).ToArray();
        }

        if (leg.HideTopology && towardCaller)
        {
            b.ReplaceAll(SipHeaderId.Via, upstreamRequest.GetValues(SipHeaderId.Via));
            if (upstreamRequest.Method == SipMethod.Invite && response.StatusCode is > 100 and < 300 && leg.CallerSideRecordRoutes.Count > 0 &&
                upstreamRequest.To.Tag is null)
            {
                b.AddBottom(SipHeaderId.RecordRoute, leg.CallerSideRecordRoutes);
            }
        }
        else
        {
            b.RemoveFirstValue(SipHeaderId.Via);
        }

        if (leg.HideTopology && !towardCaller)
        {
            // Answers of the caller's side to the carrier's requests: no Record-Route or identity of that side either.
            b.RemoveAll(SipHeaderId.RecordRoute);
            foreach (var name in HiddenIdentityHeaders)
            {
                b.RemoveAll(name);
            }
        }

        if (leg.HideTopology && !towardCaller && response.HasHeader(SipHeaderId.Contact))
        {
            var transport = upstreamRequest.TopVia.Transport.ToUpperInvariant() switch
            {
                "TLS" => SipTransport.Tls,
                "TCP" => SipTransport.Tcp,
                _ => SipTransport.Udp,
            };
            b.Set(SipHeaderId.Contact, OwnContact(transport));
        }

        if (leg.RewritesHeaders || leg.CSeqOffset != 0)
        {
            b.Set(SipHeaderId.From, upstreamRequest.GetFirst(SipHeaderId.From)!);
            var to = upstreamRequest.GetFirst(SipHeaderId.To)!;
            if (upstreamRequest.To.Tag is null && response.To.Tag is { } tag)
            {
                to = $"{to};tag={tag}";
            }

            b.Set(SipHeaderId.To, to);
            b.Set(SipHeaderId.CSeq, upstreamRequest.GetFirst(SipHeaderId.CSeq)!);
        }

        return b.ToArray();
    }

    /// <summary>A response carries the Call-ID of the request it answers on its own leg (the alias of a hidden callee
    /// leg going back to the caller is replaced by the caller's Call-ID, and the reverse).</summary>
    private static void RestoreCallId(SipMessageBuilder b, SipMessage response, SipMessage upstreamRequest)
    {
        if (!string.Equals(response.CallId, upstreamRequest.CallId, StringComparison.Ordinal))
        {
            b.Set(SipHeaderId.CallId, upstreamRequest.CallId);
        }
    }

    /// <summary>Translates an in-dialog request (or ACK) for the other leg. Returns where it must go instead of the
    /// computed next hop (toward a caller behind proxies, from a hidden callee), or null.</summary>
    private SipEndpoint? TranslateInDialog(SipMessageBuilder b, SipMessage request, ProxiedDialog dialog, DialogParty party)
    {
        var leg = dialog.Leg;
        if (!leg.Translates)
        {
            return null;
        }

        if (leg.CallId is { } alias)
        {
            b.Set(SipHeaderId.CallId, party == DialogParty.Caller ? alias : dialog.Key.CallId);
        }

        if (party == DialogParty.Caller)
        {
            if (leg.RewritesHeaders)
            {
                b.Set(SipHeaderId.From, leg.From).Set(SipHeaderId.To, dialog.CalleeTo);
            }

            if (leg.CSeqOffset != 0)
            {
                b.Set(SipHeaderId.CSeq, $"{request.CSeq.Number + leg.CSeqOffset} {request.MethodName}");
            }

            return null;
        }

        if (leg.RewritesHeaders)
        {
            b.Set(SipHeaderId.From, $"{dialog.CallerTo};tag={dialog.CalleeTag}").Set(SipHeaderId.To, dialog.CallerFrom);
        }

        if (leg.HideTopology && dialog.CallerRouteSet.Count > 0)
        {
            // The hidden callee routes to us only; the caller side's proxies are added back here.
            b.RemoveAll(SipHeaderId.Route);
            b.AddBottom(SipHeaderId.Route, dialog.CallerRouteSet);
            if (SipNameAddress.TryParse(dialog.CallerRouteSet[0], out var first) && TryResolve(first.Uri, out var hop))
            {
                return hop;
            }
        }

        return null;
    }

    /// <summary>Answers a 401/407 from the current target once (RFC 3261 §22.2): same INVITE with CSeq+1, a new
    /// branch and the credentials. False when the challenge cannot be answered or the send failed.</summary>
    private async Task<bool> AnswerChallengeAsync(CallContext context, ProxiedInvite invite, ClientTransaction challenged, SipMessage response,
        DigestCredentials credentials)
    {
        var headerName = response.StatusCode == 401 ? "WWW-Authenticate" : "Proxy-Authenticate";
        DigestChallenge? challenge = null;
        for (var i = 0; i < response.HeaderCount && challenge is null; i++)
        {
            if (string.Equals(response.GetHeaderName(i), headerName, StringComparison.OrdinalIgnoreCase) &&
                DigestChallenge.TryParse(response.GetHeaderValue(i), out var candidate) &&
                (credentials.Realm is null || string.Equals(credentials.Realm, candidate.Realm, StringComparison.Ordinal)))
            {
                challenge = candidate;
            }
        }

        if (challenge is null || invite.Leg is null)
        {
            _logger.LogWarning("Cannot answer the {Code} challenge of target {Index} of {Key}", response.StatusCode, invite.TargetIndex, invite.Key);
            return false;
        }

        var previous = challenged.Request;
        var branch = NewBranch(LoopHash(invite.Request));
        var authorization = challenge.Answer(credentials, "INVITE", previous.RequestUri, NewTag(), 1);
        var bytes = SipMessageBuilder.From(previous)
            .ReplaceFirstValue(SipHeaderId.Via, OwnVia(challenged.Destination.Transport, branch))
            .Set(SipHeaderId.CSeq, $"{previous.CSeq.Number + 1} INVITE")
            .Add(response.StatusCode == 401 ? "Authorization" : "Proxy-Authorization", authorization)
            .ToArray();
        invite.ChallengeAnswered = true;
        invite.Leg = invite.Leg with { CSeqOffset = invite.Leg.CSeqOffset + 1 };
        return await StartBranchAsync(context, invite, invite.Targets[invite.TargetIndex], branch, bytes).ConfigureAwait(false);
    }

    /// <summary>Route set toward the callee from its 2xx: the Record-Route entries above ours, reversed.</summary>
    private List<string> CalleeRouteSetOf(SipMessage response)
    {
        var routeSet = new List<string>();
        foreach (var rr in response.RecordRoutes)
        {
            if (IsUs(rr.Uri))
            {
                break;
            }

            routeSet.Insert(0, rr.Text);
        }

        return routeSet;
    }

    /// <summary>Replaces the user part and/or the host[:port] of a SIP URI, keeping parameters.</summary>
    internal static string RewriteUri(string uri, string? user, string? hostPort)
    {
        var colon = uri.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return uri;
        }

        var at = uri.IndexOf('@', colon + 1);
        var hostStart = at < 0 ? colon + 1 : at + 1;
        var hostEnd = uri.IndexOfAny([';', '?', '>'], hostStart);
        hostEnd = hostEnd < 0 ? uri.Length : hostEnd;
        var currentUser = at < 0 ? null : uri[(colon + 1)..at];
        var newUser = user ?? currentUser;
        var host = hostPort ?? uri[hostStart..hostEnd];
        return string.Concat(uri.AsSpan(0, colon + 1), newUser is null ? "" : newUser + "@", host, uri.AsSpan(hostEnd));
    }

    private static string NameAddress(string? displayName, string uri, IReadOnlyList<KeyValuePair<string, string?>> parameters)
    {
        var b = new StringBuilder();
        if (!string.IsNullOrEmpty(displayName))
        {
            b.Append('"').Append(displayName.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\" ");
        }

        b.Append('<').Append(uri).Append('>');
        foreach (var (name, value) in parameters)
        {
            b.Append(';').Append(name);
            if (value is not null)
            {
                b.Append('=').Append(value);
            }
        }

        return b.ToString();
    }
}
