using CallControl.Billing.Accounts;
using CallControl.Billing.Tariffs;
using NodaTime;

namespace CallControl.Billing.Rating;

/// <summary>What a CDR says about a call, and what was charged for it so far (charges plus earlier re-ratings).</summary>
public sealed record CdrFacts(
    CallKey Call,
    string AccountId,
    string Destination,
    Instant Start,
    Duration Duration,
    decimal PreviousCharge,
    string Currency);

public enum ReRatingOutcome
{
    /// <summary>The new book prices the call as charged.</summary>
    Unchanged,
    /// <summary>The customer owes <see cref="ReRatingResult.Difference"/> more.</summary>
    Debit,
    /// <summary>The customer gets <c>-Difference</c> back.</summary>
    Credit,
    /// <summary>The new book has no rate for the call (or another currency): nothing changes, see <see cref="ReRatingResult.Detail"/>.</summary>
    NotRated,
}

/// <param name="Difference">New charge - previous charge: positive is a debit, negative a credit.</param>
public sealed record ReRatingResult(CdrFacts Facts, RatingResult Rating, decimal NewCharge, decimal Difference, ReRatingOutcome Outcome, string Detail);

public static class ReRating
{
    /// <summary>Rates the call again with <paramref name="book"/>. Re-running with the book that produced the charge yields zero.</summary>
    public static ReRatingResult Compute(CdrFacts facts, TariffBook book)
    {
        var rating = Rater.Rate(book, facts.AccountId, facts.Destination, facts.Start, facts.Duration);
        switch (rating)
        {
            case NoRate noRate:
                return new ReRatingResult(facts, rating, facts.PreviousCharge, 0m, ReRatingOutcome.NotRated, $"{noRate.Reason}: {noRate.Detail}");
            case RatedCall rated when rated.Currency != facts.Currency:
                return new ReRatingResult(facts, rating, facts.PreviousCharge, 0m, ReRatingOutcome.NotRated,
                    $"plan {rated.PlanId} v{rated.PlanVersion} is in {rated.Currency}, the call was charged in {facts.Currency}");
            case RatedCall rated:
                var difference = rated.Total - facts.PreviousCharge;
                var outcome = difference > 0 ? ReRatingOutcome.Debit : difference < 0 ? ReRatingOutcome.Credit : ReRatingOutcome.Unchanged;
                return new ReRatingResult(facts, rating, rated.Total, difference, outcome, $"plan {rated.PlanId} v{rated.PlanVersion}");
            default:
                throw new InvalidOperationException($"unknown rating result {rating.GetType().Name}");
        }
    }

    /// <summary>The account event for a re-rating, or none when nothing changes.</summary>
    public static IReadOnlyList<object> ToEvents(ReRatingResult result, string reason, Instant now) =>
        result.Outcome is ReRatingOutcome.Debit or ReRatingOutcome.Credit
            ? [new CallReRated(result.Facts.AccountId, result.Facts.Call, result.Facts.PreviousCharge, result.NewCharge, reason, now)]
            : [];
}
