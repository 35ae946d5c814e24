using CallControl.Billing.Accounts;
using CallControl.Billing.Rating;
using CallControl.Host.Calls;
using CallControl.Projections.Billing;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace CallControl.Host.Billing;

/// <summary>The end of a billed call, the same for an account and a calling card: rate and charge it, lift its hold
/// (<see cref="LiveBilling.Settle"/>), and record on the call stream how it was rated (<see cref="CallRated"/>) or why
/// it could not be (<see cref="CallNotRated"/>).</summary>
internal static class CallSettlement
{
    /// <summary>How late the controller's own cut-off may end a call before the lateness stops being charged: one second,
    /// which is at most one increment of any tariff (grants are whole increments).</summary>
    public static readonly Duration CutOffSlack = Duration.FromSeconds(1);

    /// <param name="cutOffGrant">The grant this node cuts the call off at (null: not capped, or not cut off by this node).
    /// Talk past grant + <see cref="CutOffSlack"/> is the controller's lateness (a loaded node ends the call late), not
    /// the caller's: it is not charged, so a capped call never costs more than its grant and one increment. The
    /// <see cref="CallRated"/> says so in its note, and re-rating starts from the duration rated.</param>
    public static List<StreamEvent> Settle(LiveBilling billing, ILogger logger, string callKey, string accountId, string destination,
        Duration talk, Instant now, Duration? cutOffGrant = null)
    {
        string? note = null;
        if (cutOffGrant is { } grant && talk > grant + CutOffSlack)
        {
            note = $"talk {talk.TotalSeconds:0.###} s ran past the cut-off at {grant.TotalSeconds:0.###} s: rated as {(grant + CutOffSlack).TotalSeconds:0.###} s";
            logger.LogWarning("Call {CallKey} (account {AccountId}): {Note}", callKey, accountId, note);
            talk = grant + CutOffSlack;
        }
        var settlement = billing.Settle(accountId, new CallKey(callKey), destination, talk, now);
        var events = settlement.AccountEvents.Select(e => new StreamEvent(BillingStreams.Account(accountId), e)).ToList();
        switch (settlement.Rating)
        {
            case RatedCall rated:
                events.Add(new StreamEvent(callKey, CallRated.From(callKey, rated, now) with { Note = note }));
                break;
            case NoRate noRate:
                logger.LogWarning("Call {CallKey} (account {AccountId}) could not be rated at its end: {Reason}", callKey, accountId, noRate.Detail);
                events.Add(new StreamEvent(callKey, new CallNotRated(callKey, accountId, destination, talk, $"{noRate.Reason}: {noRate.Detail}", now)));
                break;
        }
        return events;
    }
}
