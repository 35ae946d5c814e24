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
            !_calls.ContainsKey(response.CallId))
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
        var bytes = SipMessageBuilder.From(response).RemoveFirstValue(SipHeaderId.Via).ToArray();
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
            context.Dialog is { Ended: false } dialog && dialog.PartyOf(request.From.Tag, request.To.Tag) is { } sentBy)
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
                invite.ServerTransaction.SendFinal(SipMessageBuilder.From(response).RemoveFirstValue(SipHeaderId.Via).ToArray(), code);
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
                invite.ServerTransaction.SendProvisional(SipMessageBuilder.From(response).RemoveFirstValue(SipHeaderId.Via).ToArray());
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
            // Write-ahead: the answer is durable before the caller learns of it.
            await CallPolicyAsync(() => _policy.OnAnsweredAsync(invite.Key, index, response.Body), "OnAnsweredAsync").ConfigureAwait(false);
            Counters.Increment(SipCounter.CallsAnswered);
            var callerContacts = invite.Request.Contacts;
            var calleeContacts = response.Contacts;
            var dialog = new ProxiedDialog(invite.Key, response.To.Tag ?? "", invite.Source, client.Destination, index,
                callerContacts.Count > 0 ? callerContacts[0].UriText : null, calleeContacts.Count > 0 ? calleeContacts[0].UriText : null)
            {
                CallerDestination = invite.ServerTransaction.ResponseDestination,
                CallerFrom = invite.Request.GetFirst(SipHeaderId.From)!,
                CalleeTo = response.GetFirst(SipHeaderId.To)!,
                CallerCSeq = invite.Request.CSeq.Number,
                AnsweredAt = Now,
            };
            if (_maxDialogDuration is { } max)
            {
                dialog.Timer = context.Environment!.Schedule(max, () => OnDialogExpiredAsync(context, dialog));
            }

            context.Dialog = dialog;
            invite.ServerTransaction.SendFinal(SipMessageBuilder.From(response).RemoveFirstValue(SipHeaderId.Via).ToArray(), code);
            return;
        }

        invite.StopBranchTimers();
        invite.Branch = null;
        var reason = response.ReasonPhrase;
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

    /// <summary>The dialog outlived <c>MaxDialogDuration</c> (no BYE seen, e.g. a party vanished): end it on both
    /// sides so that what the call holds (limits, credit) is released.</summary>
    private async Task OnDialogExpiredAsync(CallContext context, ProxiedDialog dialog)
    {
        if (context.Dialog != dialog || dialog.Ended)
        {
            return;
        }

        dialog.Ended = true;
        Counters.Increment(SipCounter.CallsEnded);
        _logger.LogWarning("Dialog {Key} reached the maximum duration; sending BYE to both parties", dialog.Key);
        await CallPolicyAsync(() => _policy.OnEndedAsync(dialog.Key, DialogParty.Proxy, "Max Duration"), "OnEndedAsync").ConfigureAwait(false);
        if (dialog.CalleeTarget is not null)
        {
            SendOwnBye(context, dialog.CalleeTarget, dialog.Callee, dialog.CallerFrom, dialog.CalleeTo, dialog.CallerCSeq + 1);
        }

        if (dialog.CallerTarget is not null)
        {
            SendOwnBye(context, dialog.CallerTarget, dialog.CallerDestination, dialog.CalleeTo, dialog.CallerFrom, dialog.CalleeCSeq + 1);
        }

        context.Dialog = null;
    }

    private void SendOwnBye(CallContext context, string requestUri, SipEndpoint destination, string from, string to, uint cseq)
    {
        var branch = NewBranch(0);
        var local = LocalEndpoint(destination.Transport);
        var bytes = SipMessageBuilder.Request("BYE", requestUri)
            .Add(SipHeaderId.Via, $"SIP/2.0/{TransportToken(local.Transport)} {HostText}:{local.Port};branch={branch};rport")
            .Add(SipHeaderId.MaxForwards, "70")
            .Add(SipHeaderId.From, from)
            .Add(SipHeaderId.To, to)
            .Add(SipHeaderId.CallId, context.CallId)
            .Add(SipHeaderId.CSeq, $"{cseq} BYE")
            .ToArray();
        var bye = new ClientTransaction(ClientKey(branch, SipMethod.Bye), branch, ParseOwn(bytes), bytes, destination, context.Environment!);
        context.ClientTransactions[bye.Key] = bye;
        bye.Start();
        Send(destination, bytes);
    }
}
