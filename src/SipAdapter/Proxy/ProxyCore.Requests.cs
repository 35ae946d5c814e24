using CallControl.Sip.Message;
using CallControl.Sip.Transactions;
using Microsoft.Extensions.Logging;

namespace CallControl.Sip.Proxy;

internal sealed partial class ProxyCore
{
    private async Task HandleRequestAsync(SipMessage request, SipEndpoint source)
    {
        // Typed parse of what every path needs; a SipMessageException here becomes a 400 naming the header.
        var topVia = request.TopVia;
        _ = request.From;
        _ = request.To;
        var transactionId = TransactionId(request);

        var scheme = SipUri.GetScheme(request.RequestUri);
        if (scheme is not ("sip" or "sips" or "tel"))
        {
            RejectStateless(request, source, SipCounter.UnsupportedUriScheme, 416, "Unsupported URI Scheme");
            return;
        }

        var requestUri = request.RequestUriParsed;
        var routes = request.Routes;
        var popped = 0;
        while (popped < routes.Count && popped < 2 && IsUs(routes[popped].Uri))
        {
            popped++;
        }

        var inDialog = request.To.Tag is not null;
        var remainingRoutes = routes.Count - popped;

        if (request.Method == SipMethod.Options && !inDialog && remainingRoutes == 0 && (requestUri.User is null || IsUs(requestUri)))
        {
            AnswerOptions(request, source);
            return;
        }

        if (request.Method == SipMethod.Ack)
        {
            await HandleAckAsync(request, source, popped).ConfigureAwait(false);
            return;
        }

        if (request.MaxForwards == 0)
        {
            RejectStateless(request, source, SipCounter.TooManyHops, 483, "Too Many Hops");
            return;
        }

        if (IsLoop(request))
        {
            RejectStateless(request, source, SipCounter.LoopsDetected, 482, "Loop Detected");
            return;
        }

        var proxyRequire = request.ProxyRequire;
        if (proxyRequire.Count > 0)
        {
            RejectStateless(request, source, SipCounter.BadExtension, 420, "Bad Extension",
                b => b.Add(SipHeaderId.Unsupported, string.Join(", ", proxyRequire)));
            return;
        }

        if (request.Method == SipMethod.Cancel)
        {
            await HandleCancelAsync(request, source).ConfigureAwait(false);
            return;
        }

        if (!inDialog && request.Method != SipMethod.Invite)
        {
            if (request.Method == SipMethod.Unknown)
            {
                RejectStateless(request, source, SipCounter.MethodNotImplemented, 501, "Not Implemented");
            }
            else if (request.Method is SipMethod.Bye or SipMethod.Update or SipMethod.Info or SipMethod.Prack)
            {
                RejectStateless(request, source, SipCounter.TransactionDoesNotExist, 481, "Call/Transaction Does Not Exist");
            }
            else
            {
                RejectStateless(request, source, SipCounter.MethodNotAllowed, 405, "Method Not Allowed",
                    b => b.Add(SipHeaderId.Allow, AllowedMethods));
            }

            return;
        }

        var context = await EnterAsync(request.CallId).ConfigureAwait(false);
        try
        {
            if (context.ServerTransactions.TryGetValue(ServerKey(transactionId, request.Method), out var existing))
            {
                Counters.Increment(SipCounter.RetransmissionsAbsorbed);
                existing.OnRetransmission();
                return;
            }

            if (inDialog)
            {
                await ForwardInDialogAsync(context, request, source, popped).ConfigureAwait(false);
            }
            else
            {
                await HandleNewInviteAsync(context, request, source, popped).ConfigureAwait(false);
            }
        }
        finally
        {
            Exit(context);
        }
    }

    private void AnswerOptions(SipMessage request, SipEndpoint source)
    {
        Counters.Increment(SipCounter.OptionsAnswered);
        var response = SipMessageBuilder.ResponseTo(request, 200, "OK", NewTag())
            .Add(SipHeaderId.Allow, AllowedMethods)
            .Add(SipHeaderId.Accept, "application/sdp")
            .Add(SipHeaderId.Supported, "")
            .ToArray();
        Send(ResponseDestination(request, source), response);
    }

    private bool IsLoop(SipMessage request)
    {
        // Almost every request has never passed here: skip the full Via parse unless one of our branches is present.
        if (!request.HeaderContains(SipHeaderId.Via, "z9hG4bK-cc"u8))
        {
            return false;
        }

        var vias = request.Vias;
        string? expected = null;
        foreach (var via in vias)
        {
            if (via.Branch is { } branch && branch.StartsWith(BranchPrefix, StringComparison.Ordinal) && IsUs(via))
            {
                expected ??= LoopHash(request).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
                if (string.CompareOrdinal(branch, BranchPrefix.Length, expected, 0, 8) == 0)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private async Task HandleAckAsync(SipMessage ack, SipEndpoint source, int popped)
    {
        var context = await EnterAsync(ack.CallId).ConfigureAwait(false);
        try
        {
            // ACK for a non-2xx final response belongs to the INVITE server transaction (same branch).
            if (context.ServerTransactions.TryGetValue(ServerKey(TransactionId(ack), SipMethod.Invite), out var transaction) && transaction.OnAck())
            {
                return;
            }

            // ACK for a 2xx is an end-to-end request of the dialog: forward it statelessly.
            var dialog = context.Dialog;
            var party = dialog?.PartyOf(ack.From.Tag, ack.To.Tag);
            if (party is null && popped == 0)
            {
                Counters.Increment(SipCounter.StrayAcksDropped);
                _logger.LogDebug("Dropped stray ACK from {Source}", source);
                return;
            }

            if (ack.MaxForwards == 0 || IsLoop(ack))
            {
                Counters.Increment(ack.MaxForwards == 0 ? SipCounter.TooManyHops : SipCounter.LoopsDetected);
                return;
            }

            if (!TryNextHop(ack, popped, dialog, party, out var destination, out var retarget))
            {
                Counters.Increment(SipCounter.UnresolvableNextHop);
                return;
            }

            var builder = ForwardedBuilder(ack, source, popped, retarget, destination.Transport, null, null, StatelessBranch(ack),
                hideUpstream: dialog is not null && party == DialogParty.Caller && dialog.Leg.HideTopology);
            if (dialog is not null && party is { } sender && TranslateInDialog(builder, ack, dialog, sender) is { } hop)
            {
                destination = hop;
            }

            Send(destination, builder.ToArray());
        }
        finally
        {
            Exit(context);
        }
    }

    private async Task HandleCancelAsync(SipMessage cancel, SipEndpoint source)
    {
        var context = await EnterAsync(cancel.CallId).ConfigureAwait(false);
        try
        {
            var branch = TransactionId(cancel);
            if (!context.ServerTransactions.TryGetValue(ServerKey(branch, SipMethod.Invite), out var inviteTransaction))
            {
                RejectStateless(cancel, source, SipCounter.TransactionDoesNotExist, 481, "Call/Transaction Does Not Exist");
                return;
            }

            // The CANCEL is answered at once and hop by hop (RFC 3261 §16.10); retransmissions get the same answer.
            Send(ResponseDestination(cancel, source), SipMessageBuilder.ResponseTo(cancel, 200, "OK", context.Invite?.ToTag ?? NewTag()).ToArray());

            var invite = context.Invite;
            if (invite is null || invite.ServerTransaction != inviteTransaction)
            {
                CancelInDialogInvite(context, inviteTransaction);
                return;
            }

            if (invite.Finished || invite.Answered)
            {
                return;
            }

            invite.Finished = true;
            if (invite.Branch is { } current)
            {
                AbandonBranch(context, invite, current);
            }

            Counters.Increment(SipCounter.CallsFailed);
            await CallPolicyAsync(() => _policy.OnFailedAsync(invite.Key, 487, "Request Terminated", DialogParty.Caller), "OnFailedAsync").ConfigureAwait(false);
            inviteTransaction.SendFinal(SipMessageBuilder.ResponseTo(invite.Request, 487, "Request Terminated", invite.ToTag).ToArray(), 487);
        }
        finally
        {
            Exit(context);
        }
    }

    /// <summary>Loose routing of a request inside a dialog (RFC 3261 §16.12): our Route entries are already
    /// counted in <paramref name="popped"/>; the next hop is the next Route or the Request-URI.</summary>
    private async Task ForwardInDialogAsync(CallContext context, SipMessage request, SipEndpoint source, int popped)
    {
        var dialog = context.Dialog;
        var party = dialog?.PartyOf(request.From.Tag, request.To.Tag);
        if (party is null && popped == 0)
        {
            RejectStateless(request, source, SipCounter.TransactionDoesNotExist, 481, "Call/Transaction Does Not Exist");
            return;
        }

        if (!TryNextHop(request, popped, dialog, party, out var destination, out var retarget))
        {
            RejectStateless(request, source, SipCounter.UnresolvableNextHop, 503, "Unresolvable Next Hop");
            return;
        }

        if (dialog is not null && party is { } sender)
        {
            dialog.SawRequest(sender, request.CSeq.Number);
        }
        else if (request.Method == SipMethod.Bye && context.Invite is null or { Finished: true })
        {
            // Routed through us but unknown here (e.g. after a restart): forwarded as it is, and the domain is told
            // so that it can close a call it still has open.
            await CallPolicyAsync(() => _policy.OnUnknownDialogEndedAsync(context.CallId, request.From.Tag ?? "", request.To.Tag),
                "OnUnknownDialogEndedAsync").ConfigureAwait(false);
        }

        var env = context.Environment!;
        var serverTransaction = new ServerTransaction(ServerKey(TransactionId(request), request.Method), request, ResponseDestination(request, source), env);
        context.ServerTransactions[serverTransaction.Key] = serverTransaction;

        if (request.Method == SipMethod.Bye && dialog is not null && party is { } byeParty && !dialog.Ended)
        {
            // Write-ahead: the end of the call is durable before the BYE goes on.
            dialog.Ended = true;
            dialog.StopTimers();
            _logger.LogDebug("Dialog {Key} ended by {Party} after {Duration}", dialog.Key, byeParty, Now - dialog.AnsweredAt);
            Counters.Increment(SipCounter.CallsEnded);
            await CallPolicyAsync(() => _policy.OnEndedAsync(dialog.Key, byeParty, "BYE"), "OnEndedAsync").ConfigureAwait(false);
        }

        var branch = NewBranch(LoopHash(request));
        var builder = ForwardedBuilder(request, source, popped, retarget, destination.Transport, null, null, branch,
            hideUpstream: dialog is not null && party == DialogParty.Caller && dialog.Leg.HideTopology);
        if (dialog is not null && party is { } from && TranslateInDialog(builder, request, dialog, from) is { } hop)
        {
            destination = hop;
        }

        var bytes = builder.ToArray();
        var forwarded = ParseOwn(bytes);
        var client = new ClientTransaction(ClientKey(branch, request.Method), branch, forwarded, bytes, destination, env)
        {
            Owner = serverTransaction,
            OnTimeout = _ =>
            {
                serverTransaction.SendFinal(SipMessageBuilder.ResponseTo(request, 408, "Request Timeout", NewTag()).ToArray(), 408);
                return Task.CompletedTask;
            },
        };
        context.ClientTransactions[client.Key] = client;
        if (request.Method == SipMethod.Invite)
        {
            serverTransaction.SendProvisional(SipMessageBuilder.ResponseTo(request, 100, "Trying", null).ToArray());
        }

        client.Start();
        if (!await Sender.SendAsync(destination, bytes).ConfigureAwait(false))
        {
            Counters.Increment(SipCounter.TransportErrors);
            client.Terminate();
            serverTransaction.SendFinal(SipMessageBuilder.ResponseTo(request, 503, "Service Unavailable", NewTag()).ToArray(), 503);
        }
    }

    /// <summary>CANCEL of a re-INVITE: answered 200 already; pass it on to the branch if that is proceeding. The
    /// downstream 487 is then relayed through the normal response path.</summary>
    private void CancelInDialogInvite(CallContext context, ServerTransaction inviteTransaction)
    {
        if (inviteTransaction.State != ServerTransactionState.Proceeding)
        {
            return;
        }

        foreach (var client in context.ClientTransactions.Values)
        {
            if (client.Owner == inviteTransaction && client.IsInvite && client.State == ClientTransactionState.Proceeding &&
                !context.ClientTransactions.ContainsKey(ClientKey(client.Branch, SipMethod.Cancel)))
            {
                SendCancel(context, client);
                return;
            }
        }
    }
}
