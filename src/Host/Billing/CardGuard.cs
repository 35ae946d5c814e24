using System.Collections.Concurrent;
using CallControl.Billing.Accounts;
using CallControl.Billing.Cards;
using CallControl.Billing.Rating;
using CallControl.Host.Calls;
using CallControl.Projections.Billing;
using CallControl.Routing;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace CallControl.Host.Billing;

/// <summary>
/// Calling cards on the call path, in memory (<see cref="LiveBilling"/>, no database). A call the router recognised as
/// dialled through an access number (<see cref="RoutingResult.Card"/>) is paid by the card its PIN names, not by the
/// caller's tenant (<see cref="CreditGuard"/> leaves such calls alone). The card is found by the PIN's index; then
/// <see cref="AccountDecider.Authorize"/> decides: blocked, expired, PIN, simultaneous use (the card's open holds), credit.
/// Refusals: <c>403</c> unknown PIN, blocked or expired card, no rate; <c>486</c> card in use by as many calls as it
/// allows; <c>402</c> no credit. Admitted: the longest affordable duration is held (<see cref="CreditReserved"/>) and
/// becomes the call's cut-off; <see cref="CardCallAdmitted"/> names the card on the call stream. <see cref="Release"/>
/// (every way a call ends) charges the rated cost and lifts the hold, which frees the simultaneous use. The PIN is never
/// in an event, a reason or a log line. Wrong PINs are counted per caller and per trunk (<see cref="CardLockouts"/>); a
/// locked source is refused <c>403 too many wrong PINs; locked until ...</c> before its PIN is looked at.
/// </summary>
public sealed class CardGuard(LiveBilling billing, CardLockouts lockouts, ILogger<CardGuard> logger) : ICallGuard
{
    public const int PaymentRequired = 402;
    public const int Forbidden = 403;
    public const int BusyHere = 486;

    private sealed record CardCallInProgress(string CardId, string Destination);

    private readonly ConcurrentDictionary<string, CardCallInProgress> _calls = new();

    public string Name => "card";

    /// <summary>Card calls this guard holds a reservation for.</summary>
    public int Guarded => _calls.Count;

    public GuardDecision Admit(NewCall call)
    {
        if (call.Route.Card is not { } card) return new GuardAdmits();
        // Fail open for emergencies (DESIGN.md rule 6): a card caller who dials 112 is put through, free.
        if (call.IsEmergency || call.Route.IsEmergency) return new GuardAdmits();
        if (CreditGuard.Destination(call.Route) is not { } destination)
            return Refuse(call, Forbidden, $"calling card: {call.Route.GetType().Name} has no destination number to rate", []);

        // A locked source is refused before its PIN is looked at: a guesser learns nothing more, right or wrong.
        var sources = CardLockouts.SourcesOf(call.Route, call.Invite.FromUser);
        var check = lockouts.Book.Check(sources, call.Now);
        var lockEvents = check.Events.Select(ToStream).ToList();
        if (check.Locked is { } locked)
            return Refuse(call, Forbidden, $"calling card refused: too many wrong PINs; locked until {locked.LockedUntil} (source {locked.Source})", lockEvents);

        var state = billing.State;
        if (!state.CardsByPinIndex.TryGetValue(CallingCardPin.Index(card.Pin), out var cardId))
            return WrongPin(call, card.AccessNumber, sources, lockEvents);

        var decision = billing.Authorize(cardId, new AuthorizeCall(new CallKey(call.CallKey), destination, call.Now, card.Pin));
        if (decision is null || decision.Refusal is AdmissionRefusal.WrongPin or AdmissionRefusal.NoCard)
            return WrongPin(call, card.AccessNumber, sources, lockEvents);
        if (!decision.Admitted)
        {
            // The decider's detail already says "card blocked: <reason>" / "card expired at <instant>".
            var (code, what) = decision.Refusal switch
            {
                AdmissionRefusal.CardBlocked or AdmissionRefusal.CardExpired => (Forbidden, decision.Detail),
                AdmissionRefusal.TooManySimultaneousCalls => (BusyHere, $"card in use: {decision.Detail}"),
                AdmissionRefusal.InsufficientCredit => (PaymentRequired, $"insufficient credit: {decision.Detail}"),
                AdmissionRefusal.NoRate => (Forbidden, $"no rate: {decision.Detail}"),
                var other => (Forbidden, $"{other}: {decision.Detail}"),
            };
            return Refuse(call, code, $"calling card {cardId} refused: {what}", lockEvents);
        }

        _calls[call.CallKey] = new CardCallInProgress(cardId, destination);
        var events = lockEvents;
        events.AddRange(decision.Events.Select(e => new StreamEvent(BillingStreams.Account(cardId), e)));
        events.Add(new StreamEvent(call.CallKey,
            new CardCallAdmitted(call.CallKey, cardId, card.AccessNumber, decision.MaxDuration ?? Duration.Zero, decision.Reserved, call.Now)));
        logger.LogInformation("Card call {CallKey} via {Access} paid by card {CardId}: {Detail}", call.CallKey, card.AccessNumber, cardId, decision.Detail);
        return new GuardAdmits(decision.MaxDuration) { Events = events };
    }

    public IReadOnlyList<StreamEvent> Answered(string callKey, ReadOnlyMemory<byte> answerBody, Instant now) => [];

    /// <summary>A card call taken back after a restart: its hold is still on the card (the billing state is folded from the
    /// events), so it keeps counting against the card's simultaneous use; registering the call here makes its end charge the
    /// card once and lift that hold. A call the card was already charged for (its end was recorded) takes nothing back.</summary>
    public Duration? Recover(RecoveredCall call)
    {
        if (call.IsEmergency || call.CardId is not { } cardId || call.Destination is not { } destination) return null;
        if (billing.Account(cardId) is not { } card || card.Charged.ContainsKey(new CallKey(call.CallKey))) return null;
        _calls[call.CallKey] = new CardCallInProgress(cardId, destination);
        var granted = billing.Granted(cardId, new CallKey(call.CallKey));
        logger.LogInformation("Card call {CallKey} taken back after a restart: card {CardId}, grant {Granted}", call.CallKey, cardId, granted);
        return granted;
    }

    public IReadOnlyList<StreamEvent> Reinvited(string callKey, ReadOnlyMemory<byte> offer, ReadOnlyMemory<byte> answer, Instant now) => [];

    public IReadOnlyList<StreamEvent> Release(string callKey, Duration talk, Instant now)
    {
        // A second release of the same call finds nothing: it charges once, and frees the simultaneous use once.
        if (!_calls.TryRemove(callKey, out var call)) return [];
        return CallSettlement.Settle(billing, logger, callKey, call.CardId, call.Destination, talk, now);
    }

    /// <summary>No card has that PIN (or it did not match): counted against the call's sources, which may lock them. The
    /// reason names no card: the caller must not learn which card is near their guess.</summary>
    private GuardRefuses WrongPin(NewCall call, string accessNumber, IReadOnlyList<string> sources, List<StreamEvent> events)
    {
        var outcome = lockouts.Book.WrongPin(sources, accessNumber, call.CallKey, call.Now);
        events.AddRange(outcome.Events.Select(ToStream));
        foreach (var locked in outcome.Events.OfType<CardSourceLocked>())
            logger.LogWarning("Card source {Source} locked until {Until}: {Reason}", locked.Source, locked.Until, locked.Reason);
        return Refuse(call, Forbidden, $"calling card refused: unknown PIN (access number {accessNumber})", events);
    }

    private static StreamEvent ToStream(object e) => e switch
    {
        CardPinRejected x => new StreamEvent(PinLockout.Stream(x.Source), e),
        CardSourceLocked x => new StreamEvent(PinLockout.Stream(x.Source), e),
        CardSourceUnlocked x => new StreamEvent(PinLockout.Stream(x.Source), e),
        _ => throw new ArgumentException($"not a lockout event: {e.GetType().Name}", nameof(e)),
    };

    private GuardRefuses Refuse(NewCall call, int code, string reason, IReadOnlyList<StreamEvent> events)
    {
        logger.LogInformation("Card call {CallKey} refused {Code}: {Reason}", call.CallKey, code, reason);
        return new GuardRefuses(code, reason) { Events = events };
    }
}
