using CallControl.Billing.Accounts;
using CallControl.Billing.Rating;
using CallControl.Projections.Billing;
using CallControl.Host.Provisioning;
using Marten;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;

namespace CallControl.Host.Billing;

/// <summary>
/// What a re-rating found: how many calls it looked at, how many changed and by how much (recorded as
/// <see cref="CallReRated"/> unless a dry run), and the first <see cref="ReRatingService.SampleSize"/> changed and
/// not re-rated calls to show. Counts, not lists: a run over a million calls stays small.
/// </summary>
public sealed record ReRatingRun(
    int Calls,
    int Changed,
    decimal Difference,
    int NotRated,
    IReadOnlyList<ReRatingResult> ChangedSample,
    IReadOnlyList<ReRatingResult> NotRatedSample,
    bool Applied)
{
    /// <summary>Where the time went: reading the rated CDRs, rating them, recording the differences.</summary>
    public (TimeSpan Reading, TimeSpan Rating, TimeSpan Recording) Timings { get; init; }
}

/// <summary>
/// Reprices the rated calls of a period, oldest first, with the tariffs in force for each call's start as the book
/// says now (a corrected plan version effective in the past is picked up). Each difference becomes a
/// <see cref="CallReRated"/> on the account stream; the rated CDR follows it, so a second run finds nothing to change.
/// </summary>
/// <remarks>
/// Bounded memory and few round trips, whatever the period: the rated CDRs are read a page at a time
/// (<see cref="PageSize"/>, keyset on start and id, only the fields rating needs) and each page's differences are
/// appended in one transaction. The billing advisory lock is held for the whole run (other billing administration
/// waits). A run that stops half-way has recorded whole pages; running it again records the rest and nothing twice.
/// Only the tariff events are read to build the book, not every account's history.
/// </remarks>
public sealed class ReRatingService(IDocumentStore store, BillingLog log, IClock clock, ILogger<ReRatingService>? logger = null)
{
    public const int PageSize = 5000;
    public const int SampleSize = 200;

    private readonly ILogger _logger = logger ?? NullLogger<ReRatingService>.Instance;

    /// <summary>The slice of a rated CDR that re-rating needs (no breakdown).</summary>
    private sealed class RatedCallFacts
    {
        public string Id { get; set; } = "";
        public string AccountId { get; set; } = "";
        public string Destination { get; set; } = "";
        public Instant Start { get; set; }
        public long StartMs { get; set; }
        public Duration Duration { get; set; }
        public decimal Amount { get; set; }
        public string Currency { get; set; } = "";
    }

    public async Task<ReRatingRun> RunAsync(Interval period, string? accountId, bool dryRun, IProgress<(int Done, int Total)>? progress = null,
        CancellationToken ct = default)
    {
        var from = period.Start.ToUnixTimeMilliseconds();
        var to = period.End.ToUnixTimeMilliseconds();

        await using var lockSession = store.LightweightSession();
        await lockSession.BeginTransactionAsync(ct);
        // Session-level lock on the billing key: survives the page transactions, released at the end (or with the connection).
        await lockSession.Connection!.ExecuteScalarAsync($"select pg_advisory_lock({BillingAdmin.AdvisoryLockKey})", ct);
        try
        {
            var book = await log.LoadBookAsync(ct);
            int total;
            await using (var count = store.QuerySession())
            {
                total = await InPeriod(count, from, to, accountId).CountAsync(ct);
            }
            var now = clock.GetCurrentInstant();
            int calls = 0, changed = 0, notRated = 0;
            var difference = 0m;
            var changedSample = new List<ReRatingResult>();
            var notRatedSample = new List<ReRatingResult>();
            var reading = new System.Diagnostics.Stopwatch();
            var rating = new System.Diagnostics.Stopwatch();
            var recording = new System.Diagnostics.Stopwatch();
            long lastMs = long.MinValue;
            var lastId = "";
            while (true)
            {
                IReadOnlyList<RatedCallFacts> page;
                reading.Start();
                await using (var read = store.QuerySession())
                {
                    var ms = lastMs;
                    var id = lastId;
                    page = await InPeriod(read, from, to, accountId)
                        // "StartMs >= ms" on its own lets PostgreSQL walk the StartMs index from the cursor (the OR alone
                        // made every page scan and sort the whole period).
                        .Where(v => v.StartMs >= ms)
                        .Where(v => v.StartMs > ms || v.Id.CompareTo(id) > 0)
                        .OrderBy(v => v.StartMs).ThenBy(v => v.Id)
                        .Take(PageSize)
                        .Select(v => new RatedCallFacts
                        {
                            Id = v.Id, AccountId = v.AccountId, Destination = v.Destination, Start = v.Start, StartMs = v.StartMs,
                            Duration = v.Duration, Amount = v.Amount, Currency = v.Currency,
                        })
                        .ToListAsync(ct);
                }
                reading.Stop();
                if (page.Count == 0) break;

                rating.Start();
                var events = new List<CallReRated>();
                foreach (var c in page)
                {
                    var result = ReRating.Compute(new CdrFacts(new CallKey(c.Id), c.AccountId, c.Destination, c.Start, c.Duration, c.Amount, c.Currency), book);
                    switch (result.Outcome)
                    {
                        case ReRatingOutcome.Debit or ReRatingOutcome.Credit:
                            changed++;
                            difference += result.Difference;
                            if (changedSample.Count < SampleSize) changedSample.Add(result);
                            events.AddRange(ReRating.ToEvents(result, $"re-rated: {result.Detail}", now).Cast<CallReRated>());
                            break;
                        case ReRatingOutcome.NotRated:
                            notRated++;
                            if (notRatedSample.Count < SampleSize) notRatedSample.Add(result);
                            break;
                    }
                }
                rating.Stop();
                if (!dryRun && events.Count > 0)
                {
                    recording.Start();
                    await using var write = store.LightweightSession();
                    foreach (var account in events.GroupBy(e => e.AccountId))
                        write.Events.Append(BillingStreams.Account(account.Key), account.Cast<object>().ToArray());
                    await write.SaveChangesAsync(ct);
                    recording.Stop();
                }
                calls += page.Count;
                lastMs = page[^1].StartMs;
                lastId = page[^1].Id;
                progress?.Report((calls, Math.Max(total, calls)));
                if (page.Count < PageSize) break;
            }
            _logger.LogInformation("Re-rated {Calls} calls: {Changed} changed ({Difference}), {NotRated} not re-rated{DryRun}",
                calls, changed, difference, notRated, dryRun ? " (dry run)" : "");
            return new ReRatingRun(calls, changed, difference, notRated, changedSample, notRatedSample, !dryRun && changed > 0)
            {
                Timings = (reading.Elapsed, rating.Elapsed, recording.Elapsed),
            };
        }
        finally
        {
            await lockSession.Connection!.ExecuteScalarAsync($"select pg_advisory_unlock({BillingAdmin.AdvisoryLockKey})", CancellationToken.None);
        }
    }

    private static IQueryable<RatedCallView> InPeriod(IQuerySession session, long from, long to, string? accountId)
    {
        var query = session.Query<RatedCallView>().Where(v => v.StartMs >= from && v.StartMs < to);
        return accountId is null ? query : query.Where(v => v.AccountId == accountId);
    }
}
