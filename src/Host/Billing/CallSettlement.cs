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
    public static List<StreamEvent> Settle(LiveBilling billing, ILogger logger, string callKey, string accountId, string destination,
        Duration talk, Instant now)
    {
        var settlement = billing.Settle(accountId, new CallKey(callKey), destination, talk, now);
        var events = settlement.AccountEvents.Select(e => new StreamEvent(BillingStreams.Account(accountId), e)).ToList();
        switch (settlement.Rating)
        {
            case RatedCall rated:
                events.Add(new StreamEvent(callKey, CallRated.From(callKey, rated, now)));
                break;
            case NoRate noRate:
                logger.LogWarning("Call {CallKey} (account {AccountId}) could not be rated at its end: {Reason}", callKey, accountId, noRate.Detail);
                events.Add(new StreamEvent(callKey, new CallNotRated(callKey, accountId, destination, talk, $"{noRate.Reason}: {noRate.Detail}", now)));
                break;
        }
        return events;
    }
}
