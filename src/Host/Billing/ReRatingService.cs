using CallControl.Billing.Accounts;
using CallControl.Billing.Rating;
using CallControl.Projections.Billing;
using NodaTime;

namespace CallControl.Host.Billing;

/// <summary>What a re-rating found: every call looked at, and the <see cref="CallReRated"/> differences (recorded unless a dry run).</summary>
public sealed record ReRatingRun(IReadOnlyList<ReRatingResult> Results, IReadOnlyList<CallReRated> Events, bool Applied)
{
    public int Changed => Events.Count;
    public decimal Difference => Events.Sum(e => e.NewAmount - e.PreviousAmount);
}

/// <summary>
/// Reprices the rated calls of a period, oldest first, with the tariffs in force for each call's start as the book
/// says now (a corrected plan version effective in the past is picked up). Each difference becomes a
/// <see cref="CallReRated"/> on the account stream; the rated CDR follows it, so a second run finds nothing to change.
/// </summary>
public sealed class ReRatingService(BillingAdmin admin, BillingQueries queries, IClock clock)
{
    public Task<ReRatingRun> RunAsync(Interval period, string? accountId, bool dryRun, IProgress<(int Done, int Total)>? progress = null,
        CancellationToken ct = default) =>
        admin.Locked(async (session, state) =>
        {
            var calls = await queries.RatedCallsAsync(period, accountId, ct);
            var now = clock.GetCurrentInstant();
            var results = new List<ReRatingResult>(calls.Count);
            var events = new List<CallReRated>();
            for (var i = 0; i < calls.Count; i++)
            {
                var c = calls[i];
                var result = ReRating.Compute(new CdrFacts(new CallKey(c.Id), c.AccountId, c.Destination, c.Start, c.Duration, c.Amount, c.Currency), state.Book);
                results.Add(result);
                foreach (var e in ReRating.ToEvents(result, $"re-rated: {result.Detail}", now).Cast<CallReRated>())
                {
                    events.Add(e);
                    if (!dryRun) session.Events.Append(BillingStreams.Account(e.AccountId), e);
                }
                if (progress is not null && (i % 256 == 255 || i == calls.Count - 1)) progress.Report((i + 1, calls.Count));
            }
            return (new ReRatingRun(results, events, !dryRun && events.Count > 0), !dryRun && events.Count > 0);
        }, ct);
}
