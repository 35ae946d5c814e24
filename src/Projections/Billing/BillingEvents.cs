using CallControl.Billing.Rating;
using CallControl.Calls;
using NodaTime;

namespace CallControl.Projections.Billing;

/// <summary>
/// A finished call was rated (call stream). <see cref="Total"/> is the sum of the parts' costs; it is what the
/// account was charged (<c>CallCharged</c> on the account stream, same group commit).
/// </summary>
/// <param name="Start">The answer instant: the instant the tariffs were looked up for.</param>
public sealed record CallRated(
    string CallKey, string AccountId, string Destination, Instant Start, Duration Duration, string Currency,
    string PlanId, int PlanVersion, string DestinationId, string MatchedPrefix, IReadOnlyList<RatedPart> Parts, decimal Total,
    Instant At) : ICallEvent
{
    /// <summary>Why the duration rated differs from the call's talk time (null: it does not), e.g. a late cut-off.</summary>
    public string? Note { get; init; }

    public static CallRated From(string callKey, RatedCall rated, Instant at) => new(
        callKey, rated.AccountId, rated.Destination, rated.Start, rated.Duration, rated.Currency, rated.PlanId, rated.PlanVersion,
        rated.DestinationId, rated.MatchedPrefix, rated.Parts, rated.Total, at);

    public RatedCall ToRatedCall() =>
        new(AccountId, Destination, Start, Duration, Currency, PlanId, PlanVersion, DestinationId, MatchedPrefix, Parts, Total,
            Parts.Any(p => p.MaxCostApplied));
}

/// <summary>An answered call could not be rated when it ended (the tariffs changed under it): nothing is charged, the
/// hold is lifted, and the reason is kept for the auditors (call stream).</summary>
public sealed record CallNotRated(string CallKey, string AccountId, string Destination, Duration Duration, string Reason, Instant At) : ICallEvent;

/// <summary>One call pinned on an invoice, at the amount it carried when the invoice was issued.</summary>
public sealed record InvoicedCall(string CallKey, Instant Start, string Destination, string DestinationId, Duration Duration, decimal Amount);

/// <summary>An invoice was issued (account stream). It is never changed: later re-ratings become notes.</summary>
public sealed record InvoiceIssued(
    string Number, string AccountId, Instant PeriodStart, Instant PeriodEnd, string Currency,
    IReadOnlyList<CallControl.Billing.Invoicing.InvoiceLine> Lines, IReadOnlyList<InvoicedCall> Calls,
    decimal Subtotal, decimal TaxRate, decimal Tax, decimal Total, Instant At);

/// <summary>A credit note (negative total) or debit note for calls of an issued invoice that were re-rated (account stream).</summary>
public sealed record CreditNoteIssued(
    string Number, string InvoiceNumber, string AccountId, string Currency,
    IReadOnlyList<CallControl.Billing.Invoicing.NoteLine> Lines, decimal Subtotal, decimal TaxRate, decimal Tax, decimal Total, Instant At)
{
    public string Kind => Total < 0 ? "credit" : "debit";
}
