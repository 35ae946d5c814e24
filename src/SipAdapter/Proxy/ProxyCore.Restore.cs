using Microsoft.Extensions.Logging;

namespace CallControl.Sip.Proxy;

/// <summary>Answered dialogs carried over a restart: the policy records <see cref="DialogState"/> with the answer; a new
/// process gives it back before the parties' next requests arrive, and the dialog is then handled as if it had been set up
/// here (translation of a hidden callee leg's Call-ID alias, keep-alive pings, the proxy's own BYE at its maximum duration).</summary>
internal sealed partial class ProxyCore
{
    private static DialogState StateOf(ProxiedDialog dialog) => new(
        dialog.CalleeTag, dialog.CallerDestination, dialog.Callee, dialog.CallerFrom, dialog.CallerTo, dialog.CalleeTo,
        dialog.CallerTarget, dialog.CalleeTarget, dialog.CallerRouteSet, dialog.CalleeRouteSet, dialog.CallerCSeq,
        dialog.Leg.From, dialog.Leg.To, dialog.Leg.CSeqOffset, dialog.Leg.HideTopology, dialog.Leg.RewritesHeaders, dialog.Leg.CallId);

    /// <summary>Takes back an answered dialog of an earlier process. False when this Call-ID already has a dialog here.</summary>
    /// <param name="maxDuration">What is left of the dialog's maximum duration (null: none): the proxy ends it then.</param>
    public async Task<bool> RestoreDialogAsync(DialogKey key, int targetIndex, DialogState state, NodaTime.Instant answeredAt, TimeSpan? maxDuration)
    {
        var context = await EnterAsync(key.CallId).ConfigureAwait(false);
        try
        {
            if (context.Dialog is not null || context.Invite is not null)
            {
                return false;
            }

            var dialog = new ProxiedDialog(key, state.CalleeTag, state.CallerDestination, state.Callee, targetIndex, state.CallerContact, state.CalleeContact)
            {
                CallerDestination = state.CallerDestination,
                CallerFrom = state.CallerFrom,
                CallerTo = state.CallerTo,
                CalleeTo = state.CalleeTo,
                CallerCSeq = state.CallerCSeq,
                AnsweredAt = answeredAt,
                Leg = new CalleeLeg(state.LegFrom, state.LegTo, state.LegCSeqOffset, state.HideTopology)
                {
                    RewritesHeaders = state.RewritesHeaders,
                    CallId = state.CalleeCallId,
                },
                CallerRouteSet = state.CallerRouteSet,
                CalleeRouteSet = state.CalleeRouteSet,
            };
            if (state.CalleeCallId is { } alias)
            {
                // The carrier's requests carry the alias: they must find this context again (the index died with the old process).
                if (!_aliases.TryAdd(alias, context))
                {
                    _logger.LogWarning("Dialog {Key} not restored: its Call-ID alias is in use", key);
                    return false;
                }

                context.CalleeCallId = alias;
            }

            var max = (maxDuration, _maxDialogDuration) switch
            {
                ({ } perCall, { } global) => perCall < global ? perCall : global,
                (var perCall, var global) => perCall ?? global,
            };
            if (maxDuration is { } left && left <= TimeSpan.Zero)
            {
                // Its limit passed while no process carried it: ended at once (BYE to both), its real end unknown.
                dialog.Timer = context.Environment!.Schedule(TimeSpan.Zero, () => OnDialogExpiredAsync(context, dialog, endSeen: false));
            }
            else if (max is { } limit)
            {
                dialog.Timer = context.Environment!.Schedule(limit < TimeSpan.Zero ? TimeSpan.Zero : limit, () => OnDialogExpiredAsync(context, dialog));
            }

            // Until a party answers a ping or sends a request, its end may have happened during the outage.
            dialog.CallerPing.SeenAlive = false;
            dialog.CalleePing.SeenAlive = false;
            context.Dialog = dialog;
            StartDialogPings(context, dialog);
            return true;
        }
        finally
        {
            Exit(context);
        }
    }
}
