using CallControl.Sip.Message;
using CallControl.Sip.Transactions;
using Microsoft.Extensions.Logging;

namespace CallControl.Sip.Proxy;

/// <summary>Dialog keep-alive (<see cref="SipServerOptions.DialogPingInterval"/>): every answered dialog gets an
/// in-dialog OPTIONS to each party per interval, so a dialog whose party vanished (crash, network gone, a BYE that
/// never arrived) ends within minutes instead of at the maximum call duration.</summary>
/// <remarks>
/// The proxy is not a UA and has no CSeq space of its own in the dialog. A ping carries the CSeq of the last request
/// that party received in the dialog (the highest seen from the other party, on that party's leg; 0 toward a caller
/// that has not received any request yet). A number never higher than what the pinged UA already saw leaves its
/// remote sequence number where it is (RFC 3261 §12.2.2), so the other party's next real request is always in order
/// and no CSeq has to be translated. A UA that takes the number as out of order answers 500, which is an answer:
/// the party is alive. Only 481 (the UA does not know the dialog), 408, no final response within Timer F and a
/// transport error count as failures; 481 ends the dialog at once, the others after
/// <see cref="SipServerOptions.DialogPingFailureLimit"/> in a row. Ping responses end here; they are never relayed.
/// </remarks>
internal sealed partial class ProxyCore
{
    /// <summary>Starts the keep-alive of a dialog that was just answered (first round one interval later).</summary>
    private void StartDialogPings(CallContext context, ProxiedDialog dialog)
    {
        if (_dialogPingInterval is { } interval)
        {
            dialog.PingTimer = context.Environment!.Schedule(interval, () => OnPingTimerAsync(context, dialog));
        }
    }

    private async Task OnPingTimerAsync(CallContext context, ProxiedDialog dialog)
    {
        if (context.Dialog != dialog || dialog.Ended || _dialogPingInterval is not { } interval)
        {
            return;
        }

        dialog.PingTimer = context.Environment!.Schedule(interval, () => OnPingTimerAsync(context, dialog));
        await PingAsync(context, dialog, dialog.CalleePing).ConfigureAwait(false);
        await PingAsync(context, dialog, dialog.CallerPing).ConfigureAwait(false);
    }

    /// <summary>Sends one OPTIONS to the ping's party unless one is still in flight (a slow answer is not a second failure).</summary>
    private async Task PingAsync(CallContext context, ProxiedDialog dialog, DialogPing ping)
    {
        if (dialog.Ended || ping.Outstanding is not null || OwnRequestToward(dialog, ping.Party, context.CallId) is not { } target)
        {
            return;
        }

        var cseq = ping.Party == DialogParty.Callee ? dialog.CallerCSeq + dialog.Leg.CSeqOffset : dialog.CalleeCSeq;
        Counters.Increment(SipCounter.DialogPingsSent);
        var client = await SendOwnRequestAsync(context, "OPTIONS", target, cseq, ping, tx => OnPingTimedOutAsync(context, ping, tx)).ConfigureAwait(false);
        if (client is null)
        {
            await OnPingFailedAsync(context, dialog, ping, "is unreachable for OPTIONS (transport error)", definitive: false).ConfigureAwait(false);
            return;
        }

        ping.Outstanding = client;
    }

    /// <summary>A response to a ping (never relayed). Anything final but 408/481 means the party is alive.</summary>
    private async Task OnPingResponseAsync(CallContext context, DialogPing ping, ClientTransaction client, SipMessage response)
    {
        var code = response.StatusCode;
        if (code < 200)
        {
            return;
        }

        Counters.Increment(SipCounter.DialogPingsAnswered);
        if (ping.Outstanding == client)
        {
            ping.Outstanding = null;
        }

        // A ping that crossed the dialog's end (BYE, max duration, the other party's death) changes nothing.
        if (context.Dialog is not { Ended: false } dialog || !dialog.Owns(ping))
        {
            return;
        }

        switch (code)
        {
            case 481:
                await OnPingFailedAsync(context, dialog, ping, "answered OPTIONS with 481: it does not know the dialog", definitive: true).ConfigureAwait(false);
                break;
            case 408:
                await OnPingFailedAsync(context, dialog, ping, "did not answer OPTIONS (408)", definitive: false).ConfigureAwait(false);
                break;
            default:
                ping.Failures = 0;
                ping.SeenAlive = true;
                break;
        }
    }

    private Task OnPingTimedOutAsync(CallContext context, DialogPing ping, ClientTransaction client)
    {
        if (ping.Outstanding == client)
        {
            ping.Outstanding = null;
        }

        return context.Dialog is { Ended: false } dialog && dialog.Owns(ping)
            ? OnPingFailedAsync(context, dialog, ping, "did not answer OPTIONS (no response within Timer F)", definitive: false)
            : Task.CompletedTask;
    }

    private async Task OnPingFailedAsync(CallContext context, ProxiedDialog dialog, DialogPing ping, string what, bool definitive)
    {
        ping.Failures++;
        Counters.Increment(SipCounter.DialogPingFailures);
        if (!definitive && ping.Failures < _dialogPingFailureLimit)
        {
            _logger.LogInformation("Dialog {Key}: the {Party} {What} ({Failures} of {Limit} failures in a row)",
                dialog.Key, ping.PartyName, what, ping.Failures, _dialogPingFailureLimit);
            return;
        }

        var reason = ping.Failures > 1 ? $"dialog dead: {ping.PartyName} {what}, {ping.Failures} times in a row" : $"dialog dead: {ping.PartyName} {what}";
        _logger.LogWarning("Dialog {Key} ended: {Reason}; sending BYE to both parties", dialog.Key, reason);
        Counters.Increment(SipCounter.DeadDialogsEnded);
        // A restored dialog whose party never showed life since the restart: it may have gone during the outage.
        await EndDialogByProxyAsync(context, dialog, reason, endSeen: ping.SeenAlive).ConfigureAwait(false);
    }
}
