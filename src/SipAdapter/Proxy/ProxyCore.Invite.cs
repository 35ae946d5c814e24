using CallControl.Sip.Message;
using CallControl.Sip.Transactions;
using Microsoft.Extensions.Logging;

namespace CallControl.Sip.Proxy;

internal sealed partial class ProxyCore
{
    private async Task HandleNewInviteAsync(CallContext context, SipMessage request, SipEndpoint source, int popped)
    {
        var key = new DialogKey(request.CallId, request.From.Tag ?? "");
        if (context.Invite is { Finished: false } || context.Dialog is not null)
        {
            // Same Call-ID, new branch, no To tag: a merged request or a second dialog we do not support (RFC 3261 §8.2.2.2).
            RejectStateless(request, source, SipCounter.LoopsDetected, 482, "Loop Detected");
            return;
        }

        var serverTransaction = new ServerTransaction(ServerKey(TransactionId(request), SipMethod.Invite), request, ResponseDestination(request, source), context.Environment!);
        context.ServerTransactions[serverTransaction.Key] = serverTransaction;
        serverTransaction.SendProvisional(SipMessageBuilder.ResponseTo(request, 100, "Trying", null).ToArray());

        var invite = new ProxiedInvite(key, request, serverTransaction, source, NewTag());
        context.Invite = invite;

        RouteDecision decision;
        try
        {
            decision = await _policy.RouteAsync(ToInviteRequest(key, request, source), _stopping).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Counters.Increment(SipCounter.PolicyErrors);
            _logger.LogError(ex, "Proxy policy RouteAsync failed for {Key}", key);
            decision = new RejectInvite(500, "Server Internal Error");
        }

        switch (decision)
        {
            case ForwardInvite { Targets.Count: > 0 } forward when forward.FirstTarget < 0 || forward.FirstTarget >= forward.Targets.Count:
                Counters.Increment(SipCounter.PolicyErrors);
                _logger.LogError("Proxy policy started {Key} at target {Index} of {Count}; answering 500", key, forward.FirstTarget, forward.Targets.Count);
                await RejectInviteAsync(invite, 500, "Server Internal Error", null).ConfigureAwait(false);
                break;
            case ForwardInvite { Targets.Count: > 0 } forward:
                invite.Targets = forward.Targets;
                invite.FirstTarget = forward.FirstTarget;
                invite.TargetIndex = forward.FirstTarget - 1;
                invite.MaxDuration = forward.MaxDuration;
                await TryNextTargetAsync(context, invite, 503, "Service Unavailable", null).ConfigureAwait(false);
                break;
            case RejectInvite reject:
                Counters.Increment(SipCounter.PolicyRejections);
                await RejectInviteAsync(invite, reject.StatusCode, reject.ReasonPhrase, reject.RetryAfter, reject.Reason).ConfigureAwait(false);
                break;
            default:
                Counters.Increment(SipCounter.PolicyRejections);
                await RejectInviteAsync(invite, 480, "Temporarily Unavailable", null).ConfigureAwait(false);
                break;
        }
    }

    private static InviteRequest ToInviteRequest(DialogKey key, SipMessage request, SipEndpoint source)
    {
        var uri = request.RequestUriParsed;
        var from = request.From;
        var to = request.To;
        return new InviteRequest(key, source, request.RequestUri, uri.User ?? "", from.UriText, from.Uri?.User ?? "", from.DisplayName,
            to.UriText, to.Uri?.User ?? "", request.ContentType, request.Body);
    }

    private async Task RejectInviteAsync(ProxiedInvite invite, int statusCode, string reason, TimeSpan? retryAfter, string? reasonHeader = null)
    {
        if (statusCode is < 300 or > 699)
        {
            _logger.LogError("Proxy policy rejected {Key} with invalid status {Code}; answering 500", invite.Key, statusCode);
            (statusCode, reason) = (500, "Server Internal Error");
        }

        invite.Finished = true;
        var builder = SipMessageBuilder.ResponseTo(invite.Request, statusCode, reason, invite.ToTag);
        if (retryAfter is { } delay)
        {
            builder.Add(SipHeaderId.RetryAfter, ((long)Math.Ceiling(delay.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (reasonHeader is not null)
        {
            builder.Add("Reason", reasonHeader);
        }

        invite.ServerTransaction.SendFinal(builder.ToArray(), statusCode);
        Counters.Increment(SipCounter.CallsFailed);
        await CallPolicyAsync(() => _policy.OnFailedAsync(invite.Key, statusCode, reason, DialogParty.Proxy), "OnFailedAsync").ConfigureAwait(false);
    }

    /// <summary>Tries targets after the current one until one accepts the INVITE onto the wire; when none is
    /// left, the call fails with <paramref name="lastResponse"/> relayed, or a local response.</summary>
    private async Task TryNextTargetAsync(CallContext context, ProxiedInvite invite, int lastStatus, string lastReason, SipMessage? lastResponse)
    {
        while (!invite.Finished && ++invite.TargetIndex < invite.Targets.Count)
        {
            var index = invite.TargetIndex;
            if (index > invite.FirstTarget && !await CallPolicyAsync(() => _policy.OnFailoverAsync(invite.Key, index), "OnFailoverAsync", fallback: true).ConfigureAwait(false))
            {
                _logger.LogInformation("Target {Index} of {Key} skipped by the policy", index, invite.Key);
                continue;
            }

            var target = invite.Targets[index];
            var branch = NewBranch(LoopHash(invite.Request));
            byte[] bytes;
            CalleeLeg leg;
            try
            {
                bytes = BuildTargetInvite(context, invite, target, branch, out leg);
            }
            catch (ArgumentException ex)
            {
                _logger.LogError("Target {Index} of {Key} is unusable: {Error}", index, invite.Key, ex.Message);
                (lastStatus, lastReason, lastResponse) = (500, "Server Internal Error", null);
                await CallPolicyAsync(() => _policy.OnAttemptFailedAsync(invite.Key, index, 500, "Invalid Target"), "OnAttemptFailedAsync").ConfigureAwait(false);
                continue;
            }

            invite.Leg = leg;
            invite.ChallengeAnswered = false;
            if (await StartBranchAsync(context, invite, target, branch, bytes).ConfigureAwait(false))
            {
                return;
            }

            (lastStatus, lastReason, lastResponse) = (503, "Service Unavailable", null);
            await CallPolicyAsync(() => _policy.OnAttemptFailedAsync(invite.Key, index, 503, "Transport Error"), "OnAttemptFailedAsync").ConfigureAwait(false);
        }

        if (!invite.Finished)
        {
            await FailInviteAsync(invite, lastStatus, lastReason, lastResponse).ConfigureAwait(false);
        }
    }

    /// <summary>Sends <paramref name="bytes"/> to the target in a new client transaction with Timer C and the
    /// target's no-answer timer; false (transaction ended) on a transport error.</summary>
    private async Task<bool> StartBranchAsync(CallContext context, ProxiedInvite invite, ForwardTarget target, string branch, byte[] bytes)
    {
        var client = new ClientTransaction(ClientKey(branch, SipMethod.Invite), branch, ParseOwn(bytes), bytes, target.Destination, context.Environment!)
        {
            Owner = invite,
            OnTimeout = tx => OnBranchTimeoutAsync(context, invite, tx, "Request Timeout"),
        };
        context.ClientTransactions[client.Key] = client;
        invite.Branch = client;
        Counters.Increment(SipCounter.InvitesForwarded);
        // Timers start before the send so they are running by the time anyone sees the request.
        client.Start();
        invite.TimerC = context.Environment!.Schedule(_timers.TimerC, () => OnBranchTimeoutAsync(context, invite, client, "Timer C"));
        if (target.NoAnswerTimeout is { } noAnswer)
        {
            invite.NoAnswerTimer = context.Environment!.Schedule(noAnswer, () => OnBranchTimeoutAsync(context, invite, client, "No Answer"));
        }

        if (await Sender.SendAsync(target.Destination, bytes).ConfigureAwait(false))
        {
            return true;
        }

        Counters.Increment(SipCounter.TransportErrors);
        invite.StopBranchTimers();
        invite.Branch = null;
        client.Terminate();
        return false;
    }

    private int PoppedRoutes(SipMessage request)
    {
        var routes = request.Routes;
        var popped = 0;
        while (popped < routes.Count && popped < 2 && IsUs(routes[popped].Uri))
        {
            popped++;
        }

        return popped;
    }

    private async Task FailInviteAsync(ProxiedInvite invite, int statusCode, string reason, SipMessage? response)
    {
        invite.Finished = true;
        invite.StopBranchTimers();
        Counters.Increment(SipCounter.CallsFailed);
        await CallPolicyAsync(() => _policy.OnFailedAsync(invite.Key, statusCode, reason, response is null ? DialogParty.Proxy : DialogParty.Callee), "OnFailedAsync")
            .ConfigureAwait(false);
        var bytes = response is not null
            ? UpstreamResponse(response, invite.Request, invite.Leg, towardCaller: true)
            : SipMessageBuilder.ResponseTo(invite.Request, statusCode, reason, invite.ToTag).ToArray();
        invite.ServerTransaction.SendFinal(bytes, statusCode);
    }

    /// <summary>Timer B (no response), Timer C or the target's no-answer timeout: give up on this branch and fail over.</summary>
    private async Task OnBranchTimeoutAsync(CallContext context, ProxiedInvite invite, ClientTransaction branch, string why)
    {
        if (invite.Branch != branch || invite.Finished)
        {
            return;
        }

        _logger.LogInformation("Target {Index} of {Key} timed out ({Why})", invite.TargetIndex, invite.Key, why);
        AbandonBranch(context, invite, branch);
        var index = invite.TargetIndex;
        await CallPolicyAsync(() => _policy.OnAttemptFailedAsync(invite.Key, index, 408, why), "OnAttemptFailedAsync").ConfigureAwait(false);
        await TryNextTargetAsync(context, invite, 408, "Request Timeout", null).ConfigureAwait(false);
    }

    /// <summary>Stops using a branch: CANCEL it when it is proceeding (RFC 3261 §9.1: not before a provisional),
    /// and let its transaction end on its own or after 64*T1.</summary>
    private void AbandonBranch(CallContext context, ProxiedInvite invite, ClientTransaction branch)
    {
        invite.Branch = null;
        invite.StopBranchTimers();
        if (branch.State == ClientTransactionState.Proceeding)
        {
            SendCancel(context, branch);
        }

        if (branch.State is ClientTransactionState.Calling or ClientTransactionState.Proceeding)
        {
            branch.TerminateAfter(_timers.TimerB);
        }
    }

    private void SendCancel(CallContext context, ClientTransaction branch)
    {
        var request = branch.Request;
        var builder = SipMessageBuilder.Request("CANCEL", request.RequestUri).Add(SipHeaderId.Via, request.TopVia.Text);
        foreach (var route in request.GetValues(SipHeaderId.Route))
        {
            builder.Add(SipHeaderId.Route, route);
        }

        var bytes = builder.Add(SipHeaderId.MaxForwards, "70")
            .Add(SipHeaderId.From, request.GetFirst(SipHeaderId.From)!)
            .Add(SipHeaderId.To, request.GetFirst(SipHeaderId.To)!)
            .Add(SipHeaderId.CallId, request.CallId)
            .Add(SipHeaderId.CSeq, $"{request.CSeq.Number} CANCEL")
            .ToArray();
        var cancel = new ClientTransaction(ClientKey(branch.Branch, SipMethod.Cancel), branch.Branch, ParseOwn(bytes), bytes, branch.Destination, context.Environment!);
        if (context.ClientTransactions.TryAdd(cancel.Key, cancel))
        {
            Send(branch.Destination, bytes);
            cancel.Start();
        }
    }

    /// <summary>A target answered after the call was given up (CANCEL race, timeout): ACK the 2xx and send BYE so
    /// the callee does not keep a dialog the caller never sees (RFC 3261 §16.7 leaves this to the proxy's owner).
    /// The ACK is repeated for 2xx retransmissions; the BYE goes once.</summary>
    private void TearDownLateAnswer(CallContext context, ClientTransaction branch, SipMessage response)
    {
        var contact = response.Contacts.Count > 0 ? response.Contacts[0].Uri : null;
        var routeSet = CalleeRouteSetOf(response);

        SipEndpoint destination;
        var firstHop = routeSet.Count > 0 && SipNameAddress.TryParse(routeSet[0], out var route) ? route.Uri : contact;
        if (contact is null || !TryResolve(firstHop, out destination))
        {
            _logger.LogWarning("Late 2xx for {CallId} without usable Contact; cannot tear it down", context.CallId);
            return;
        }

        var request = branch.Request;
        byte[] Build(string method, uint cseq, string newBranch)
        {
            var builder = SipMessageBuilder.Request(method, contact.Text)
                .Add(SipHeaderId.Via, OwnVia(destination.Transport, newBranch));
            foreach (var r in routeSet)
            {
                builder.Add(SipHeaderId.Route, r);
            }

            return builder.Add(SipHeaderId.MaxForwards, "70")
                .Add(SipHeaderId.From, request.GetFirst(SipHeaderId.From)!)
                .Add(SipHeaderId.To, response.GetFirst(SipHeaderId.To)!)
                .Add(SipHeaderId.CallId, request.CallId)
                .Add(SipHeaderId.CSeq, $"{cseq} {method}")
                .ToArray();
        }

        Send(destination, Build("ACK", request.CSeq.Number, NewBranch(0)));
        if (branch.Owner is not ProxiedInvite)
        {
            return;
        }

        branch.Owner = null; // BYE only once
        _logger.LogInformation("Tearing down late answer of {CallId} from {Destination}", context.CallId, destination);
        var byeBranch = NewBranch(0);
        var byeBytes = Build("BYE", request.CSeq.Number + 1, byeBranch);
        var bye = new ClientTransaction(ClientKey(byeBranch, SipMethod.Bye), byeBranch, ParseOwn(byeBytes), byeBytes, destination, context.Environment!);
        context.ClientTransactions[bye.Key] = bye;
        Send(destination, byeBytes);
        bye.Start();
    }
}
