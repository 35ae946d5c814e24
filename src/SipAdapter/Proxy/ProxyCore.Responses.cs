using CallControl.Sip.Message;
using CallControl.Sip.Transactions;
using Microsoft.Extensions.Logging;

namespace CallControl.Sip.Proxy;

internal sealed partial class ProxyCore
{
    private async Task HandleResponseAsync(SipMessage response, SipEndpoint source)
    {
        var topVia = response.TopVia;
        if (topVia.Branch is not { } branch || !branch.StartsWith(BranchPrefix, StringComparison.Ordinal) || !IsUs(topVia) ||
            (!_calls.ContainsKey(response.CallId) && !_aliases.ContainsKey(response.CallId)))
        {
            DropStray(response, source, "no matching transaction");
            return;
        }

        var context = await EnterAsync(response.CallId).ConfigureAwait(false);
        try
        {
            if (!context.ClientTransactions.TryGetValue(ClientKey(branch, response.CSeq.Method), out var client))
            {
                DropStray(response, source, "transaction ended");
                return;
            }

            if (!client.OnResponse(response))
            {
                Counters.Increment(SipCounter.RetransmissionsAbsorbed);
                return;
            }

            switch (client.Owner)
            {
                case ProxiedInvite invite:
                    await OnInviteResponseAsync(context, invite, client, response).ConfigureAwait(false);
                    break;
                case ServerTransaction upstream:
                    await RelayResponseAsync(context, upstream, response).ConfigureAwait(false);
                    break;
                case OptionsProbe probe:
                    OnProbeResponse(probe, response);
                    break;
                case DialogPing ping:
                    await OnPingResponseAsync(context, ping, client, response).ConfigureAwait(false);
                    break;
                default:
                    if (client.IsInvite && response.StatusCode is >= 200 and < 300)
                    {
                        TearDownLateAnswer(context, client, response); // re-ACK a retransmitted late 2xx
                    }

                    // Responses to our own CANCELs and BYEs end here.
                    break;
            }
        }
        finally
        {
            Exit(context);
        }
    }

    private void DropStray(SipMessage response, SipEndpoint source, string why)
    {
        Counters.Increment(SipCounter.StrayResponsesDropped);
        _logger.LogDebug("Dropped response {Code} from {Source}: {Why}", response.StatusCode, source, why);
    }

    /// <summary>Relays a response of an in-dialog transaction upstream, minus our Via.</summary>
    private async Task RelayResponseAsync(CallContext context, ServerTransaction upstream, SipMessage response)
    {
        var dialog = context.Dialog;
        var party = dialog?.PartyOf(upstream.Request.From.Tag, upstream.Request.To.Tag);
        var bytes = party is null
            ? UpstreamResponse(response, upstream.Request, null, towardCaller: true)
            : UpstreamResponse(response, upstream.Request, dialog!.Leg, towardCaller: party == DialogParty.Caller);
        var code = response.StatusCode;
        if (code < 200)
        {
            if (code > 100)
            {
                upstream.SendProvisional(bytes);
            }

            return;
        }

        var request = upstream.Request;
        if (code < 300 && request.Method == SipMethod.Invite && upstream.State != ServerTransactionState.Accepted &&
            dialog is { Ended: false } && party is { } sentBy)
        {
            await CallPolicyAsync(() => _policy.OnReinviteAsync(dialog.Key, sentBy, request.Body, response.Body), "OnReinviteAsync").ConfigureAwait(false);
        }

        upstream.SendFinal(bytes, code);
        if (upstream.Request.Method == SipMethod.Bye && context.Dialog is { Ended: true })
        {
            context.Dialog = null;
        }
    }

    private async Task OnInviteResponseAsync(CallContext context, ProxiedInvite invite, ClientTransaction client, SipMessage response)
    {
        var code = response.StatusCode;
        if (invite.Branch != client)
        {
            // An abandoned branch (timed out or cancelled). It gets its CANCEL once it is proceeding.
            if (code < 200 && client.State == ClientTransactionState.Proceeding && !context.ClientTransactions.ContainsKey(ClientKey(client.Branch, SipMethod.Cancel)))
            {
                SendCancel(context, client);
            }
            else if (code is >= 200 and < 300 && invite.AnsweredBranch == client)
            {
                // 2xx retransmission of the answered branch: relay it again (RFC 6026).
                invite.ServerTransaction.SendFinal(UpstreamResponse(response, invite.Request, invite.Leg, towardCaller: true), code);
            }
            else if (code is >= 200 and < 300)
            {
                // The caller already got a final response: confirm and end the callee's dialog ourselves.
                TearDownLateAnswer(context, client, response);
            }

            return;
        }

        if (code < 200)
        {
            if (code > 100)
            {
                // Timer C restarts on every provisional (RFC 3261 §16.7 item 2).
                invite.TimerC?.Dispose();
                invite.TimerC = context.Environment!.Schedule(_timers.TimerC, () => OnBranchTimeoutAsync(context, invite, client, "Timer C"));
                invite.ServerTransaction.SendProvisional(UpstreamResponse(response, invite.Request, invite.Leg, towardCaller: true));
            }

            return;
        }

        var index = invite.TargetIndex;
        if (code < 300)
        {
            invite.StopBranchTimers();
            invite.Branch = null;
            invite.Answered = true;
            invite.AnsweredBranch = client;
            invite.Finished = true;
            var callerContacts = invite.Request.Contacts;
            var calleeContacts = response.Contacts;
            var dialog = new ProxiedDialog(invite.Key, response.To.Tag ?? "", invite.Source, client.Destination, index,
                callerContacts.Count > 0 ? callerContacts[0].UriText : null, calleeContacts.Count > 0 ? calleeContacts[0].UriText : null)
            {
                CallerDestination = invite.ServerTransaction.ResponseDestination,
                CallerFrom = invite.Request.GetFirst(SipHeaderId.From)!,
                CallerTo = invite.Request.GetFirst(SipHeaderId.To)!,
                CalleeTo = response.GetFirst(SipHeaderId.To)!,
                CallerCSeq = invite.Request.CSeq.Number,
                AnsweredAt = Now,
                Leg = invite.Leg ?? new CalleeLeg(invite.Request.GetFirst(SipHeaderId.From)!, invite.Request.GetFirst(SipHeaderId.To)!, 0, false),
                CallerRouteSet = invite.Request.GetValues(SipHeaderId.RecordRoute),
                CalleeRouteSet = CalleeRouteSetOf(response),
            };
            // Write-ahead: the answer (and what a new process needs to carry the dialog on) is durable before the caller learns of it.
            var state = StateOf(dialog);
            await CallPolicyAsync(() => _policy.OnAnsweredAsync(invite.Key, index, response.Body, state), "OnAnsweredAsync").ConfigureAwait(false);
            if (MaxDurationAfterAnswer(invite.Key) is { } afterAnswer)
            {
                invite.MaxDuration = afterAnswer;
            }
            Counters.Increment(SipCounter.CallsAnswered);
            var max = (invite.MaxDuration, _maxDialogDuration) switch
            {
                ({ } perCall, { } global) => perCall < global ? perCall : global,
                (var perCall, var global) => perCall ?? global,
            };
            if (max is { } limit)
            {
                dialog.Timer = context.Environment!.Schedule(limit < TimeSpan.Zero ? TimeSpan.Zero : limit, () => OnDialogExpiredAsync(context, dialog));
            }

            context.Dialog = dialog;
            StartDialogPings(context, dialog);
            invite.ServerTransaction.SendFinal(UpstreamResponse(response, invite.Request, invite.Leg, towardCaller: true), code);
            return;
        }

        invite.StopBranchTimers();
        invite.Branch = null;
        var reason = response.ReasonPhrase;
        if (code is 401 or 407 && invite.Targets[index].Credentials is { } credentials)
        {
            // The 401/407 itself was ACKed hop by hop by the client transaction.
            if (!invite.ChallengeAnswered && await AnswerChallengeAsync(context, invite, client, response, credentials).ConfigureAwait(false))
            {
                return;
            }

            // A second challenge (wrong credentials) or one we cannot answer: this target failed; the caller
            // cannot answer the target's challenge, so it never sees it.
            await CallPolicyAsync(() => _policy.OnAttemptFailedAsync(invite.Key, index, code, reason), "OnAttemptFailedAsync").ConfigureAwait(false);
            await TryNextTargetAsync(context, invite, 403, "Forbidden", null).ConfigureAwait(false);
            return;
        }

        await CallPolicyAsync(() => _policy.OnAttemptFailedAsync(invite.Key, index, code, reason), "OnAttemptFailedAsync").ConfigureAwait(false);
        if (code == 408 || code is >= 500 and < 600)
        {
            await TryNextTargetAsync(context, invite, code, reason, response).ConfigureAwait(false);
        }
        else
        {
            await FailInviteAsync(invite, code, reason, response).ConfigureAwait(false);
        }
    }

    /// <summary>The dialog reached its maximum duration (<see cref="ForwardInvite.MaxDuration"/> or
    /// <c>MaxDialogDuration</c>): end it on both sides so that what the call holds (limits, credit) is released.</summary>
    /// <param name="endSeen">False for a restored dialog whose limit passed before it was restored (<see cref="IProxyPolicy.OnRestoredDialogLostAsync"/>).</param>
    private Task OnDialogExpiredAsync(CallContext context, ProxiedDialog dialog, bool endSeen = true)
    {
        if (context.Dialog != dialog || dialog.Ended)
        {
            return Task.CompletedTask;
        }

        _logger.LogWarning("Dialog {Key} reached the maximum duration; sending BYE to both parties", dialog.Key);
        return EndDialogByProxyAsync(context, dialog, endSeen ? "maximum duration reached" : "maximum duration reached while no controller carried the dialog", endSeen);
    }

    /// <summary>The proxy ends an answered dialog itself (maximum duration, dead party): the policy is told first
    /// (write-ahead), then each party gets a BYE that follows its route set with its leg's From/To and the next CSeq
    /// of our side of the dialog.</summary>
    private async Task EndDialogByProxyAsync(CallContext context, ProxiedDialog dialog, string reason, bool endSeen = true)
    {
        dialog.Ended = true;
        dialog.StopTimers();
        Counters.Increment(SipCounter.CallsEnded);
        if (endSeen)
        {
            await CallPolicyAsync(() => _policy.OnEndedAsync(dialog.Key, DialogParty.Proxy, reason), "OnEndedAsync").ConfigureAwait(false);
        }
        else
        {
            await CallPolicyAsync(() => _policy.OnRestoredDialogLostAsync(dialog.Key, reason), "OnRestoredDialogLostAsync").ConfigureAwait(false);
        }
        if (OwnRequestToward(dialog, DialogParty.Callee, context.CallId) is { } toCallee)
        {
            await SendOwnRequestAsync(context, "BYE", toCallee, dialog.CallerCSeq + dialog.Leg.CSeqOffset + 1, null, null).ConfigureAwait(false);
        }

        if (OwnRequestToward(dialog, DialogParty.Caller, context.CallId) is { } toCaller)
        {
            await SendOwnRequestAsync(context, "BYE", toCaller, dialog.CalleeCSeq + 1, null, null).ConfigureAwait(false);
        }

        // Keep the ended dialog a while so that a BYE crossing ours is still recognised (not an unknown dialog).
        dialog.Timer = context.Environment!.Schedule(_timers.TimerB, () =>
        {
            if (context.Dialog == dialog)
            {
                context.Dialog = null;
            }

            return Task.CompletedTask;
        });
    }

    /// <summary>Where and as whom a request this proxy originates inside the dialog goes to <paramref name="party"/>
    /// (BYE, keep-alive OPTIONS): that party's remote target and route set, and the From/To of its leg with the other
    /// party's tag as From tag. Null when the party gave no Contact.</summary>
    private static OwnRequestTarget? OwnRequestToward(ProxiedDialog dialog, DialogParty party, string callId)
    {
        if (party == DialogParty.Callee)
        {
            return dialog.CalleeTarget is { } calleeTarget
                ? new OwnRequestTarget(calleeTarget, dialog.CalleeRouteSet, FirstHop(dialog.CalleeRouteSet, calleeTarget) ?? dialog.Callee,
                    dialog.Leg.From, dialog.CalleeTo, dialog.Leg.CallId ?? callId)
                : null;
        }

        if (dialog.CallerTarget is not { } callerTarget)
        {
            return null;
        }

        // No route set: back where the caller's requests come from (NAT, TCP connection reuse).
        var destination = dialog.CallerRouteSet.Count > 0 ? FirstHop(dialog.CallerRouteSet, callerTarget) ?? dialog.CallerDestination : dialog.CallerDestination;
        return new OwnRequestTarget(callerTarget, dialog.CallerRouteSet, destination, $"{dialog.CallerTo};tag={dialog.CalleeTag}", dialog.CallerFrom, callId);
    }

    private static SipEndpoint? FirstHop(IReadOnlyList<string> routeSet, string remoteTarget)
    {
        SipUri? uri = null;
        if (routeSet.Count > 0)
        {
            uri = SipNameAddress.TryParse(routeSet[0], out var route) ? route.Uri : null;
        }
        else if (SipUri.TryParse(remoteTarget, out var target))
        {
            uri = target;
        }

        return TryResolve(uri, out var endpoint) ? endpoint : null;
    }

    /// <summary>The one place that builds and sends a request this proxy originates inside a dialog, in a client
    /// transaction of its own. Null when it could not be sent (transport error; the transaction is ended).</summary>
    private async Task<ClientTransaction?> SendOwnRequestAsync(CallContext context, string method, OwnRequestTarget target, uint cseq,
        object? owner, Func<ClientTransaction, Task>? onTimeout)
    {
        var branch = NewBranch(0);
        var builder = SipMessageBuilder.Request(method, target.RequestUri)
            .Add(SipHeaderId.Via, OwnVia(target.Destination.Transport, branch))
            .Add(SipHeaderId.MaxForwards, "70");
        foreach (var route in target.RouteSet)
        {
            builder.Add(SipHeaderId.Route, route);
        }

        var bytes = builder
            .Add(SipHeaderId.From, target.From)
            .Add(SipHeaderId.To, target.To)
            .Add(SipHeaderId.CallId, target.CallId)
            .Add(SipHeaderId.CSeq, $"{cseq} {method}")
            .ToArray();
        var parsed = ParseOwn(bytes);
        var client = new ClientTransaction(ClientKey(branch, parsed.Method), branch, parsed, bytes, target.Destination, context.Environment!)
        {
            Owner = owner,
            OnTimeout = onTimeout,
        };
        context.ClientTransactions[client.Key] = client;
        client.Start();
        if (await Sender.SendAsync(target.Destination, bytes).ConfigureAwait(false))
        {
            return client;
        }

        Counters.Increment(SipCounter.TransportErrors);
        client.Terminate();
        return null;
    }
}
