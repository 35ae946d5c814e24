using System.Collections.Concurrent;
using CallControl.Billing.Accounts;
using CallControl.Billing.Rating;
using CallControl.Host.Calls;
using CallControl.Projections.Billing;
using CallControl.Routing;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace CallControl.Host.Billing;

/// <summary>
/// Prepaid credit and postpaid credit limits, in memory (<see cref="LiveBilling"/>). The account that pays is the tenant
/// of the caller's PBX; calls from gateways (inbound), emergency calls (DESIGN.md rule 6) and tenants without a billing
/// account are let through unbilled. Prepaid and postpaid with a credit limit: the cost of the longest duration what is
/// available pays is reserved (<see cref="CreditReserved"/>) and the call gets that <see cref="GuardAdmits.MaxDuration"/>,
/// priced again at the answer (<see cref="Answered"/>). Calls taken back after a restart are settled too (<see cref="Recover"/>). Refusals:
/// <c>402 Payment Required</c> when money is the reason (no prepaid credit, postpaid credit limit reached),
/// <c>403 Forbidden</c> when the tariff does not allow the number (no rate) or the account cannot pay in that currency.
/// At the end the call is rated with its real talk time: <see cref="CallCharged"/> (+ <see cref="ReservationReleased"/>)
/// on the account stream, <see cref="CallRated"/> with the breakdown on the call stream, once per call.
/// </summary>
public sealed class CreditGuard(LiveBilling billing, ILogger<CreditGuard> logger) : ICallGuard
{
    public const int PaymentRequired = 402;
    public const int Forbidden = 403;

    /// <param name="AnswerGrant">The grant priced again at the answer (null: not answered yet, or nothing held).</param>
    /// <param name="Recovered">Taken back after a restart: it may have run past its grant while no node could cut it off,
    /// so its whole talk is charged.</param>
    private sealed record GuardedCall(string AccountId, string Destination, Duration? AnswerGrant = null, bool Recovered = false);

    private readonly ConcurrentDictionary<string, GuardedCall> _calls = new();

    public string Name => "credit";

    /// <summary>Calls this guard holds something for (reservation or postpaid tracking).</summary>
    public int Guarded => _calls.Count;

    public GuardDecision Admit(NewCall call)
    {
        if (call.IsEmergency || call.Route.IsEmergency) return new GuardAdmits();
        if (call.Route.Card is not null) return new GuardAdmits(); // the card pays: CardGuard
        if (PayingAccount(call.Route) is not { } accountId) return new GuardAdmits();
        if (Destination(call.Route) is not { } destination)
            return new GuardRefuses(Forbidden, $"no rate: {call.Route.GetType().Name} has no destination number to rate");

        var decision = billing.Authorize(accountId, new AuthorizeCall(new CallKey(call.CallKey), destination, call.Now));
        if (decision is null) return new GuardAdmits(); // billing is not enabled for this tenant
        if (!decision.Admitted)
        {
            var code = decision.Refusal is AdmissionRefusal.InsufficientCredit or AdmissionRefusal.CreditLimitReached ? PaymentRequired : Forbidden;
            var reason = $"{Describe(decision.Refusal)} (account {accountId}): {decision.Detail}";
            logger.LogInformation("Call {CallKey} to {Destination} refused {Code}: {Reason}", call.CallKey, destination, code, reason);
            return new GuardRefuses(code, reason);
        }
        _calls[call.CallKey] = new GuardedCall(accountId, destination);
        return new GuardAdmits(decision.MaxDuration)
        {
            Events = decision.Events.Select(e => new StreamEvent(BillingStreams.Account(accountId), e)).ToList(),
        };
    }

    /// <summary>Prices the grant again from the answer instant against the call's hold (another rate period may have
    /// started while it rang) and shortens it if needed (<see cref="CreditGrantShortened"/>); the proxy then cuts the
    /// call off after <see cref="MaxDurationAfterAnswer"/>.</summary>
    public IReadOnlyList<StreamEvent> Answered(string callKey, ReadOnlyMemory<byte> answerBody, Instant now)
    {
        if (!_calls.TryGetValue(callKey, out var call)) return [];
        var (granted, events) = billing.Answer(call.AccountId, new CallKey(callKey), call.Destination, now);
        _calls[callKey] = call with { AnswerGrant = granted };
        if (events.Count > 0)
            logger.LogInformation("Call {CallKey} answered in another rate period: grant shortened to {Seconds}s", callKey, granted?.TotalSeconds);
        return events.Select(e => new StreamEvent(BillingStreams.Account(call.AccountId), e)).ToList();
    }

    public Duration? MaxDurationAfterAnswer(string callKey) => _calls.TryGetValue(callKey, out var call) ? call.AnswerGrant : null;

    /// <summary>Takes back a call of a previous process that this guard would have admitted (PBX of a tenant with an
    /// account, not emergency), so its end charges it once. Its grant is the hold's, if the hold is still there.</summary>
    public Duration? Recover(RecoveredCall call)
    {
        if (call.IsEmergency || call.CardId is not null || call.SourceTenantId is not { } accountId || call.Destination is not { } destination) return null;
        if (billing.Account(accountId) is not { } account || account.Charged.ContainsKey(new CallKey(call.CallKey))) return null;
        var granted = billing.Granted(accountId, new CallKey(call.CallKey));
        _calls[call.CallKey] = new GuardedCall(accountId, destination, granted, Recovered: true);
        return granted;
    }

    public IReadOnlyList<StreamEvent> Reinvited(string callKey, ReadOnlyMemory<byte> offer, ReadOnlyMemory<byte> answer, Instant now) => [];

    public IReadOnlyList<StreamEvent> Release(string callKey, Duration talk, Instant now)
    {
        // A second release of the same call finds nothing: it charges once.
        if (!_calls.TryRemove(callKey, out var call)) return [];
        return CallSettlement.Settle(billing, logger, callKey, call.AccountId, call.Destination, talk, now,
            cutOffGrant: call.Recovered ? null : call.AnswerGrant);
    }

    /// <summary>The account that pays: the tenant of the PBX the call comes from.</summary>
    public static string? PayingAccount(RoutingResult route) => route.Source is PbxSource pbx ? pbx.Pbx.TenantId : null;

    public static string? Destination(RoutingResult route) => route switch
    {
        RoutedToPbx r => r.Destination,
        RoutedToGateways r => r.Destination,
        RoutedToVoicemail r => r.Destination,
        RoutedToEnum r => r.Destination,
        _ => null,
    };

    private static string Describe(AdmissionRefusal refusal) => refusal switch
    {
        AdmissionRefusal.InsufficientCredit => "insufficient credit",
        AdmissionRefusal.CreditLimitReached => "credit limit reached",
        AdmissionRefusal.NoRate => "no rate",
        AdmissionRefusal.CurrencyMismatch => "currency mismatch",
        _ => refusal.ToString(),
    };
}
